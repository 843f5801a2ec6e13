// How Kubernetes merges the lists (and a few maps) of the built-in kinds we serve. Strategic merge
// patch reads it as patchStrategy/patchMergeKey, server-side apply as listType/listMapKeys/mapType;
// for these kinds the two agree, except that apply keys some lists by more than one field.
//
// Paths are dotted from the object root; "[]" stands for "each element of this list". A list that is
// not in the table is replaced by a patch and owned as one field by apply (atomic).

export type FieldMeta =
  /** Elements are merged by key: keys[0] is SMP's patchMergeKey; apply keys by all of them. */
  | {
      readonly type: "keyed";
      readonly keys: readonly string[];
      readonly defaults?: Readonly<Record<string, unknown>>;
    }
  /** A list of scalars merged as a set (patchStrategy merge, listType set). */
  | { readonly type: "set" }
  /** A map apply owns as a whole (mapType/structType atomic); SMP still merges it key by key. */
  | { readonly type: "atomicMap" };

export type PatchSchema = Readonly<Record<string, FieldMeta>>;

const keyed = (keys: string[], defaults?: Record<string, unknown>): FieldMeta => ({
  type: "keyed",
  keys,
  ...(defaults ? { defaults } : {}),
});
const SET: FieldMeta = { type: "set" };
const ATOMIC_MAP: FieldMeta = { type: "atomicMap" };
const BY_NAME = keyed(["name"]);
const BY_TYPE = keyed(["type"]);

function objectMeta(path: string): PatchSchema {
  return { [`${path}.ownerReferences`]: keyed(["uid"]), [`${path}.finalizers`]: SET };
}

function podSpec(path: string): PatchSchema {
  const table: Record<string, FieldMeta> = {
    [`${path}.volumes`]: BY_NAME,
    [`${path}.imagePullSecrets`]: BY_NAME,
    [`${path}.hostAliases`]: keyed(["ip"]),
    [`${path}.topologySpreadConstraints`]: keyed(["topologyKey", "whenUnsatisfiable"]),
    [`${path}.resourceClaims`]: BY_NAME,
    [`${path}.schedulingGates`]: BY_NAME,
    [`${path}.nodeSelector`]: ATOMIC_MAP,
  };
  for (const list of ["containers", "initContainers", "ephemeralContainers"]) {
    const c = `${path}.${list}`;
    table[c] = BY_NAME;
    table[`${c}[].ports`] = keyed(["containerPort", "protocol"], { protocol: "TCP" });
    table[`${c}[].env`] = BY_NAME;
    table[`${c}[].volumeMounts`] = keyed(["mountPath"]);
    table[`${c}[].volumeDevices`] = keyed(["devicePath"]);
  }
  return table;
}

function podTemplate(path: string): PatchSchema {
  return { ...objectMeta(`${path}.metadata`), ...podSpec(`${path}.spec`) };
}

const META = objectMeta("metadata");
const CONDITIONS = { "status.conditions": BY_TYPE };

const SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  Pod: {
    ...META,
    ...podSpec("spec"),
    ...CONDITIONS,
    "status.podIPs": keyed(["ip"]),
    "status.hostIPs": keyed(["ip"]),
    "status.resourceClaimStatuses": BY_NAME,
  },
  Deployment: { ...META, ...podTemplate("spec.template"), "spec.selector": ATOMIC_MAP, ...CONDITIONS },
  ReplicaSet: { ...META, ...podTemplate("spec.template"), "spec.selector": ATOMIC_MAP, ...CONDITIONS },
  DaemonSet: { ...META, ...podTemplate("spec.template"), "spec.selector": ATOMIC_MAP, ...CONDITIONS },
  Service: {
    ...META,
    "spec.ports": keyed(["port", "protocol"], { protocol: "TCP" }),
    "spec.selector": ATOMIC_MAP,
    ...CONDITIONS,
  },
  Namespace: { ...META, ...CONDITIONS },
  Node: { ...META, "spec.podCIDRs": SET, ...CONDITIONS, "status.addresses": BY_TYPE },
  ServiceAccount: { ...META, secrets: BY_NAME },
  MutatingWebhookConfiguration: { ...META, webhooks: BY_NAME },
};

/** The merge table for a kind; other kinds (custom resources) only know ObjectMeta's lists. */
export function schemaFor(kind: string | undefined): PatchSchema {
  return (kind !== undefined ? SCHEMAS[kind] : undefined) ?? META;
}

// Groups whose types are compiled into the API server. Custom resources have no patch metadata,
// so the real server refuses strategic merge patches for them (415).
const BUILT_IN_GROUPS: ReadonlySet<string> = new Set([
  "",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "apps",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "autoscaling",
  "batch",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "policy",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
]);

/** Whether `application/strategic-merge-patch+json` is accepted for objects of this apiVersion. */
export function supportsStrategicMerge(apiVersion: string): boolean {
  const slash = apiVersion.indexOf("/");
  return BUILT_IN_GROUPS.has(slash < 0 ? "" : apiVersion.slice(0, slash));
}

/** The 415 message a real server gives for a strategic merge patch on a custom resource. */
export const STRATEGIC_MERGE_UNSUPPORTED =
  "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml";
