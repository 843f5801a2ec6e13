// A workshop room on a shared cluster, as its facilitator (a cluster admin) sets it up and takes
// it down: per attendee a namespace, a ServiceAccount, a Role with what the tour needs there and
// its RoleBinding, the room's settings in a ConfigMap, and a short-lived token; in the
// facilitator's namespace, the room's pace and who may read it. Everything carries our label and
// the room's, so teardown finds exactly it; everything is server-side applied, so a second setup
// changes nothing but the tokens.

import { dump } from "js-yaml";
import type { KubeObject } from "../model/kube.ts";
import { FACILITATOR_NAMESPACE, paceConfigName, ROOM_CONFIG, ROOM_KEYS, ROOM_LABEL } from "../model/room.ts";
import type { GatewayAddress } from "../model/snapshot.ts";
import type { Cluster } from "./connect.ts";
import { ClusterError, httpStatus } from "./errors.ts";
import { ingressAddress } from "./ingress.ts";
import type { ResolvedTarget } from "./kubeconfig.ts";
import { MANAGED_BY_LABEL, manifestPath, readManifest, splitApiVersion } from "./manifests.ts";
import { coreQueries, listQuery } from "./resources.ts";

/**
 * The field manager of what setup writes: not the tour's, so an attendee's `reset` (and the tour's
 * namespace labels) never take back what the facilitator set.
 */
export const WORKSHOP_MANAGER = "kubectl-bookinfo-workshop";
export const ATTENDEE_ACCOUNT = "attendee";
export const ATTENDEE_ROLE = "bookinfo-tour";
const MANAGED_BY = "kubectl-bookinfo";
const RBAC = "rbac.authorization.k8s.io";

export interface Attendee {
  number: number;
  namespace: string;
  host: string;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface ApiKind {
  group: string;
  plural: string;
}

const READ = ["get", "list", "watch"];
const WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"];

export const roomLabels = (room: string): Record<string, string> => ({
  [MANAGED_BY_LABEL]: MANAGED_BY,
  [ROOM_LABEL]: room,
});

/** attendee-1 ... attendee-N, each with a host of its own on the shared ingress gateway. */
export function attendeesOf(room: string, count: number, hostSuffix: string): Attendee[] {
  return Array.from({ length: count }, (_, i) => {
    const namespace = `${room}-${i + 1}`;
    return { number: i + 1, namespace, host: `${namespace}.${hostSuffix}` };
  });
}

/**
 * What an attendee may do in their namespace: exactly what the tour and the tutorial's kubectl
 * commands need, not the `admin` ClusterRole (which would also let them read Secrets, make Roles
 * and RoleBindings, and change anything else in the namespace). That is:
 * - write every kind the stages apply (`writable`, read from their manifests) and delete it
 *   again (`reset`); server-side apply needs `patch`, and `create` for an object that is new;
 * - read pods and delete them (a stuck pod, as a fix may say), read their logs, and read the
 *   replica sets, endpoints and events that `kubectl get`, `rollout status`, `logs deploy/...`
 *   and `describe` read;
 * - read the one ConfigMap with the room's settings (by name: a field-selected list and watch of
 *   that name is authorized by resourceNames, as the API server does).
 * Rolling out a restart is a patch of the deployment, so it is covered. The namespace object
 * itself is not granted: the tour reads it through a cluster-wide list, which no Role can grant,
 * and without it the inject stage judges by the pods (the facilitator labels the namespace).
 */
export function attendeeRules(writable: ApiKind[]): PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const kind of writable) {
    const set = byGroup.get(kind.group) ?? new Set<string>();
    set.add(kind.plural);
    byGroup.set(kind.group, set);
  }
  return [
    ...[...byGroup].map(([group, plurals]) => ({
      apiGroups: [group],
      resources: [...plurals].sort(),
      verbs: WRITE,
    })),
    { apiGroups: [""], resources: ["pods"], verbs: [...READ, "delete"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    { apiGroups: [""], resources: ["endpoints", "events"], verbs: READ },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ },
    { apiGroups: [""], resources: ["configmaps"], resourceNames: [ROOM_CONFIG], verbs: READ },
  ];
}

/** The API kinds the stages' manifests write, as RBAC names them (discovery's plurals). */
export async function writableKinds(cluster: Cluster, manifests: readonly string[]): Promise<ApiKind[]> {
  const seen = new Map<string, ApiKind>();
  for (const file of new Set(manifests)) {
    for (const object of readManifest(manifestPath(file))) {
      const apiVersion = object.apiVersion ?? "v1";
      const kind = object.kind ?? "";
      const key = `${apiVersion}/${kind}`;
      if (seen.has(key)) continue;
      const { group } = splitApiVersion(apiVersion);
      // A kind not served yet (Istio not installed) still gets its conventional plural.
      const resource = await cluster.resourceFor(apiVersion, kind).catch(() => undefined);
      seen.set(key, { group, plural: resource?.plural ?? `${kind.toLowerCase()}s` });
    }
  }
  const unique = new Map([...seen.values()].map((k) => [`${k.group}/${k.plural}`, k]));
  return [...unique.values()];
}

export interface AccessCheck {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  namespace?: string;
}

/**
 * Asks the API server (SelfSubjectAccessReview) whether this user may do each of `checks`, and
 * fails with one sentence on the first it may not, before anything is changed.
 */
export async function requireRights(cluster: Cluster, checks: AccessCheck[], doing: string): Promise<void> {
  const answers = await Promise.all(
    checks.map(async (check) => {
      try {
        const review = await cluster.request<{ status?: { allowed?: boolean } }>(
          "POST",
          "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
          {
            body: {
              apiVersion: "authorization.k8s.io/v1",
              kind: "SelfSubjectAccessReview",
              spec: { resourceAttributes: { ...check, group: check.group ?? "" } },
            },
          },
        );
        return review.status?.allowed === true;
      } catch (error) {
        throw cluster.explain(error, {
          verb: "create",
          resource: "selfsubjectaccessreviews.authorization.k8s.io",
        });
      }
    }),
  );
  const denied = checks.find((_, i) => !answers[i]);
  if (!denied) return;
  const what = `${denied.resource}${denied.subresource ? `/${denied.subresource}` : ""}${denied.group ? `.${denied.group}` : ""}`;
  const where = denied.namespace ? ` in namespace ${denied.namespace}` : "";
  throw new ClusterError(
    `context ${cluster.target.context} may not ${denied.verb} ${what}${where}, which ${doing} needs; run it with a cluster admin's context (--context or --kubeconfig)`,
    "forbidden",
  );
}

/** The namespaces of a room, made by setup (by its label), sorted by attendee number. */
export async function roomNamespaces(cluster: Cluster, room: string): Promise<KubeObject[]> {
  const list = await listOrExplain(cluster, "/api/v1/namespaces", "namespaces", {
    labelSelector: `${ROOM_LABEL}=${room}`,
  });
  return list.sort((a, b) => attendeeOrder(a.metadata.name ?? "", b.metadata.name ?? ""));
}

/** Namespace names that sort as people count: attendee-2 before attendee-10. */
export function attendeeOrder(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/** Which of `names` exist without belonging to `room`: setup must not take them over. */
export async function foreignNamespaces(cluster: Cluster, room: string, names: string[]): Promise<string[]> {
  const wanted = new Set(names);
  const all = await listOrExplain(cluster, "/api/v1/namespaces", "namespaces");
  return all
    .filter((ns) => wanted.has(ns.metadata.name ?? "") && ns.metadata.labels?.[ROOM_LABEL] !== room)
    .map((ns) => ns.metadata.name ?? "")
    .sort(attendeeOrder);
}

export interface AttendeeSetup {
  room: string;
  attendee: Attendee;
  rules: PolicyRule[];
  gatewayUrl: string | null;
  tokenSeconds: number;
}

export interface IssuedToken {
  token: string;
  /** When the API server says it ends (it may shorten what was asked for). */
  expiresAt: string;
}

/** One attendee's namespace and everything in it, then their token. */
export async function setupAttendee(cluster: Cluster, input: AttendeeSetup): Promise<IssuedToken> {
  const { room, attendee, rules } = input;
  const ns = attendee.namespace;
  const labels = roomLabels(room);
  const nsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}`;
  // The lesson runs with sidecars: the attendee cannot label their own namespace, so setup does.
  await apply(cluster, nsPath, "namespaces", undefined, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns, labels: { ...labels, "istio-injection": "enabled" } },
  });
  await apply(cluster, `${nsPath}/serviceaccounts/${ATTENDEE_ACCOUNT}`, "serviceaccounts", ns, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: ATTENDEE_ACCOUNT, namespace: ns, labels },
  });
  const rbac = `/apis/${RBAC}/v1/namespaces/${encodeURIComponent(ns)}`;
  await apply(cluster, `${rbac}/roles/${ATTENDEE_ROLE}`, `roles.${RBAC}`, ns, {
    apiVersion: `${RBAC}/v1`,
    kind: "Role",
    metadata: { name: ATTENDEE_ROLE, namespace: ns, labels },
    rules,
  });
  await apply(cluster, `${rbac}/rolebindings/${ATTENDEE_ROLE}`, `rolebindings.${RBAC}`, ns, {
    apiVersion: `${RBAC}/v1`,
    kind: "RoleBinding",
    metadata: { name: ATTENDEE_ROLE, namespace: ns, labels },
    roleRef: { apiGroup: RBAC, kind: "Role", name: ATTENDEE_ROLE },
    subjects: [{ kind: "ServiceAccount", name: ATTENDEE_ACCOUNT, namespace: ns }],
  });
  await apply(cluster, `${nsPath}/configmaps/${ROOM_CONFIG}`, "configmaps", ns, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ROOM_CONFIG, namespace: ns, labels },
    data: {
      [ROOM_KEYS.room]: room,
      [ROOM_KEYS.host]: attendee.host,
      [ROOM_KEYS.pace]: `${FACILITATOR_NAMESPACE}/${paceConfigName(room)}`,
      ...(input.gatewayUrl ? { [ROOM_KEYS.gatewayUrl]: input.gatewayUrl } : {}),
    },
  });
  return issueToken(cluster, ns, input.tokenSeconds);
}

/** A bound ServiceAccount token from the TokenRequest API (what `kubectl create token` asks). */
export async function issueToken(cluster: Cluster, namespace: string, seconds: number): Promise<IssuedToken> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${ATTENDEE_ACCOUNT}/token`;
  try {
    const answer = await cluster.request<{ status?: { token?: string; expirationTimestamp?: string } }>(
      "POST",
      path,
      {
        body: {
          apiVersion: "authentication.k8s.io/v1",
          kind: "TokenRequest",
          spec: { expirationSeconds: seconds },
        },
      },
    );
    const token = answer.status?.token;
    if (!token) throw new Error("the answer holds no token");
    return { token, expiresAt: answer.status?.expirationTimestamp ?? "" };
  } catch (error) {
    throw cluster.explain(error, {
      verb: "create",
      resource: "serviceaccounts/token",
      namespace,
      name: ATTENDEE_ACCOUNT,
    });
  }
}

/**
 * The facilitator's namespace (made if missing, and then ours to remove), and a Role there that
 * lets the room's attendees read the room's pace ConfigMap and nothing else.
 */
export async function grantPaceReaders(cluster: Cluster, room: string, namespaces: string[]): Promise<void> {
  await ensureFacilitatorNamespace(cluster);
  const labels = roomLabels(room);
  const ns = FACILITATOR_NAMESPACE;
  const rbac = `/apis/${RBAC}/v1/namespaces/${ns}`;
  const name = `${paceConfigName(room)}-readers`;
  await apply(cluster, `${rbac}/roles/${name}`, `roles.${RBAC}`, ns, {
    apiVersion: `${RBAC}/v1`,
    kind: "Role",
    metadata: { name, namespace: ns, labels },
    rules: [
      { apiGroups: [""], resources: ["configmaps"], resourceNames: [paceConfigName(room)], verbs: READ },
    ],
  });
  await apply(cluster, `${rbac}/rolebindings/${name}`, `rolebindings.${RBAC}`, ns, {
    apiVersion: `${RBAC}/v1`,
    kind: "RoleBinding",
    metadata: { name, namespace: ns, labels },
    roleRef: { apiGroup: RBAC, kind: "Role", name },
    subjects: namespaces.map((namespace) => ({ kind: "ServiceAccount", name: ATTENDEE_ACCOUNT, namespace })),
  });
}

/** Records where the room should be: the pace ConfigMap the attendees' tours read. */
export async function recordPace(cluster: Cluster, room: string, stage: string): Promise<string> {
  await ensureFacilitatorNamespace(cluster);
  const name = paceConfigName(room);
  const path = `/api/v1/namespaces/${FACILITATOR_NAMESPACE}/configmaps/${name}`;
  await apply(cluster, path, "configmaps", FACILITATOR_NAMESPACE, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: FACILITATOR_NAMESPACE, labels: roomLabels(room) },
    data: { stage, setAt: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
  });
  return `configmap/${name} serverside-applied in namespace ${FACILITATOR_NAMESPACE}`;
}

async function ensureFacilitatorNamespace(cluster: Cluster): Promise<void> {
  const path = `/api/v1/namespaces/${FACILITATOR_NAMESPACE}`;
  try {
    await cluster.request("GET", path);
    return;
  } catch (error) {
    if (httpStatus(error) !== 404)
      throw cluster.explain(error, { verb: "get", resource: "namespaces", name: FACILITATOR_NAMESPACE });
  }
  // Made here, so ours to remove with the last room; one that existed before is left alone.
  await apply(cluster, path, "namespaces", undefined, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: FACILITATOR_NAMESPACE, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
  });
}

export interface TeardownProgress {
  /** What was removed, in kubectl's words. */
  onLine(line: string): void;
  /** How many namespaces are still terminating. */
  onWaiting(left: string[]): void;
}

/**
 * Removes what setup made for `room`: its namespaces (with everything the attendees made in
 * them), the room's pace and its readers in the facilitator's namespace, and that namespace when
 * setup made it and no other room uses it. Waits until the namespaces are gone.
 */
export async function teardownRoom(
  cluster: Cluster,
  room: string,
  progress: TeardownProgress,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<number> {
  const selector = `${ROOM_LABEL}=${room}`;
  const namespaces = await roomNamespaces(cluster, room);
  let removed = 0;
  await eachLimited(namespaces, 8, async (ns) => {
    const name = ns.metadata.name ?? "";
    if (
      await remove(cluster, `/api/v1/namespaces/${encodeURIComponent(name)}`, "namespaces", undefined, name)
    )
      progress.onLine(`namespace/${name} deleted`);
    removed++;
  });

  const facilitator = FACILITATOR_NAMESPACE;
  const kinds = [
    {
      path: `/apis/${RBAC}/v1/namespaces/${facilitator}/rolebindings`,
      resource: `rolebindings.${RBAC}`,
      ref: `rolebinding.${RBAC}`,
    },
    {
      path: `/apis/${RBAC}/v1/namespaces/${facilitator}/roles`,
      resource: `roles.${RBAC}`,
      ref: `role.${RBAC}`,
    },
    { path: `/api/v1/namespaces/${facilitator}/configmaps`, resource: "configmaps", ref: "configmap" },
  ];
  for (const kind of kinds) {
    for (const object of await listOrExplain(
      cluster,
      kind.path,
      kind.resource,
      { labelSelector: selector },
      facilitator,
    )) {
      const name = object.metadata.name ?? "";
      if (
        await remove(cluster, `${kind.path}/${encodeURIComponent(name)}`, kind.resource, facilitator, name)
      ) {
        progress.onLine(`${kind.ref}/${name} deleted from namespace ${facilitator}`);
        removed++;
      }
    }
  }
  if (await facilitatorNamespaceUnused(cluster)) {
    if (await remove(cluster, `/api/v1/namespaces/${facilitator}`, "namespaces", undefined, facilitator)) {
      progress.onLine(`namespace/${facilitator} deleted`);
      namespaces.push({ metadata: { name: facilitator } });
      removed++;
    }
  }
  await waitUntilGone(
    cluster,
    namespaces.map((ns) => ns.metadata.name ?? ""),
    progress,
    options,
  );
  return removed;
}

/** Setup made it (our label) and no room keeps anything in it any more. */
async function facilitatorNamespaceUnused(cluster: Cluster): Promise<boolean> {
  const path = `/api/v1/namespaces/${FACILITATOR_NAMESPACE}`;
  let ns: KubeObject;
  try {
    ns = await cluster.request<KubeObject>("GET", path);
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw cluster.explain(error, { verb: "get", resource: "namespaces", name: FACILITATOR_NAMESPACE });
  }
  if (ns.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY || ns.metadata.deletionTimestamp) return false;
  const query = { labelSelector: ROOM_LABEL };
  const left = await Promise.all(
    [
      `/apis/${RBAC}/v1/namespaces/${FACILITATOR_NAMESPACE}/rolebindings`,
      `/apis/${RBAC}/v1/namespaces/${FACILITATOR_NAMESPACE}/roles`,
      `/api/v1/namespaces/${FACILITATOR_NAMESPACE}/configmaps`,
    ].map((p) => listOrExplain(cluster, p, "objects", query, FACILITATOR_NAMESPACE)),
  );
  return left.every((items) => items.length === 0);
}

async function waitUntilGone(
  cluster: Cluster,
  names: string[],
  progress: TeardownProgress,
  options: { timeoutMs?: number; pollMs?: number },
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let left = new Set(names);
  while (left.size > 0) {
    const existing = new Set(
      (await listOrExplain(cluster, "/api/v1/namespaces", "namespaces")).map((ns) => ns.metadata.name ?? ""),
    );
    left = new Set([...left].filter((name) => existing.has(name)));
    if (left.size === 0) return;
    progress.onWaiting([...left].sort(attendeeOrder));
    if (Date.now() > deadline)
      throw new ClusterError(
        `${left.size} namespace${left.size === 1 ? " is" : "s are"} still terminating (${[...left].sort(attendeeOrder).slice(0, 3).join(", ")}${left.size > 3 ? ", ..." : ""}); they go once their content is deleted: check with kubectl get namespace -l ${ROOM_LABEL}`,
        "server",
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

/**
 * GATEWAY_URL as the facilitator's context finds it (LoadBalancer, else NodePort), for the room's
 * settings: attendees usually cannot read istio-system. `--gateway-url` wins.
 */
export async function roomGatewayAddress(cluster: Cluster, flagUrl?: string): Promise<GatewayAddress | null> {
  if (flagUrl) return ingressAddress({ ingressService: null, ingressPods: [] }, flagUrl);
  const queries = coreQueries("default").filter(
    (q) => q.resource === "ingressPods" || q.resource === "ingressService",
  );
  const lists = await Promise.all(
    queries.map((query) =>
      listQuery(cluster, query).then(
        (list) => list.items,
        () => [] as KubeObject[],
      ),
    ),
  );
  const pods = lists[queries.findIndex((q) => q.resource === "ingressPods")] ?? [];
  const service = lists[queries.findIndex((q) => q.resource === "ingressService")]?.[0] ?? null;
  return ingressAddress({ ingressService: service, ingressPods: pods });
}

/**
 * A kubeconfig for one attendee: the facilitator's cluster (CA inline, so the file stands alone),
 * the attendee's token, and a context on their namespace.
 */
export function attendeeKubeconfig(
  target: ResolvedTarget,
  attendee: Attendee,
  token: string,
  caPem?: string,
): string {
  const { cluster } = target;
  const name = attendee.namespace;
  const caData =
    cluster.certificateAuthorityData ?? (caPem ? Buffer.from(caPem).toString("base64") : undefined);
  return dump(
    {
      apiVersion: "v1",
      kind: "Config",
      "current-context": name,
      clusters: [
        {
          name: target.clusterName,
          cluster: {
            server: target.server,
            ...(caData ? { "certificate-authority-data": caData } : {}),
            ...(cluster.insecureSkipTlsVerify ? { "insecure-skip-tls-verify": true } : {}),
            ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
            ...(cluster.proxyUrl ? { "proxy-url": cluster.proxyUrl } : {}),
          },
        },
      ],
      users: [{ name: `${name}-${ATTENDEE_ACCOUNT}`, user: { token } }],
      contexts: [
        {
          name,
          context: { cluster: target.clusterName, user: `${name}-${ATTENDEE_ACCOUNT}`, namespace: name },
        },
      ],
    },
    { lineWidth: -1 },
  );
}

/** Server-side apply with the workshop's field manager, failures in plain words. */
async function apply(
  cluster: Cluster,
  path: string,
  resource: string,
  namespace: string | undefined,
  object: KubeObject,
): Promise<KubeObject> {
  try {
    return await cluster.request<KubeObject>("PATCH", path, {
      query: { fieldManager: WORKSHOP_MANAGER, force: true },
      body: object,
      contentType: "application/apply-patch+yaml",
    });
  } catch (error) {
    throw cluster.explain(error, { verb: "patch", resource, namespace, name: object.metadata.name });
  }
}

/** DELETE; false when it was already gone. */
async function remove(
  cluster: Cluster,
  path: string,
  resource: string,
  namespace: string | undefined,
  name: string,
): Promise<boolean> {
  try {
    await cluster.request("DELETE", path, { query: { propagationPolicy: "Background" } });
    return true;
  } catch (error) {
    if (httpStatus(error) === 404) return false;
    throw cluster.explain(error, { verb: "delete", resource, namespace, name });
  }
}

async function listOrExplain(
  cluster: Cluster,
  path: string,
  resource: string,
  query: { labelSelector?: string } = {},
  namespace?: string,
): Promise<KubeObject[]> {
  try {
    return (await cluster.request<{ items?: KubeObject[] }>("GET", path, { query })).items ?? [];
  } catch (error) {
    if (httpStatus(error) === 404 && namespace) return [];
    throw cluster.explain(error, { verb: "list", resource, namespace });
  }
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops the rest. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
