// apiextensions-apiserver's controllers for CRDs: the naming controller accepts a CRD's names
// unless another CRD of the group holds them (NamesAccepted), the establishing controller then
// marks it Established, the API-approval controller reports KubernetesAPIApprovalPolicyConformant
// for protected groups, and the finalizer's work happens when a CRD goes: its objects go too.

import { findResource, type ResourceType } from "../api/resources.ts";
import type { Runtime } from "../controllers/runtime.ts";
import { isProtectedGroup } from "./definitions.ts";
import {
  CRD_STORAGE_KEY,
  type CrdCondition,
  type CrdNames,
  type CustomResourceDefinition,
  conditionOf,
} from "./types.ts";

const CRDS = findResource("apiextensions.k8s.io", "v1", "customresourcedefinitions") as ResourceType;
const APPROVAL_ANNOTATION = "api-approved.kubernetes.io";

type Names = Required<Pick<CrdNames, "plural" | "singular" | "kind" | "listKind">> &
  Pick<CrdNames, "shortNames" | "categories">;

/** Names other CRDs of `group` already hold: resources (plural, singular, short) and kinds. */
function claimedNames(crds: CustomResourceDefinition[], self: CustomResourceDefinition, group: string) {
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const other of crds) {
    if (other.metadata.name === self.metadata.name || other.spec.group !== group) continue;
    const accepted = other.status?.acceptedNames ?? {};
    for (const r of [accepted.plural, accepted.singular, ...(accepted.shortNames ?? [])])
      if (r) resources.add(r);
    for (const k of [accepted.kind, accepted.listKind]) if (k) kinds.add(k);
  }
  return { resources, kinds };
}

/** The naming controller's decision (calculateNamesAndConditions). */
export function acceptNames(
  crd: CustomResourceDefinition,
  all: CustomResourceDefinition[],
): { names: Names; condition: Omit<CrdCondition, "lastTransitionTime"> } {
  const requested = crd.spec.names ?? {};
  const accepted = crd.status?.acceptedNames ?? {};
  const { resources, kinds } = claimedNames(all, crd, crd.spec.group ?? "");
  const names: Names = {
    plural: accepted.plural ?? "",
    singular: accepted.singular ?? "",
    kind: accepted.kind ?? "",
    listKind: accepted.listKind ?? "",
    ...(accepted.shortNames ? { shortNames: accepted.shortNames } : {}),
  };
  let condition: Omit<CrdCondition, "lastTransitionTime"> | undefined;
  const conflict = (reason: string, name: string) => {
    condition = { type: "NamesAccepted", status: "False", reason, message: `"${name}" is already in use` };
  };
  const fresh = (want: string | undefined, have: string | undefined, used: Set<string>) =>
    !want || want === have || !used.has(want);
  if (fresh(requested.plural, accepted.plural, resources)) names.plural = requested.plural ?? "";
  else conflict("PluralConflict", requested.plural ?? "");
  if (fresh(requested.singular, accepted.singular, resources)) names.singular = requested.singular ?? "";
  else conflict("SingularConflict", requested.singular ?? "");
  if (fresh(requested.kind, accepted.kind, kinds)) names.kind = requested.kind ?? "";
  else conflict("KindConflict", requested.kind ?? "");
  if (fresh(requested.listKind, accepted.listKind, kinds)) names.listKind = requested.listKind ?? "";
  else conflict("ListKindConflict", requested.listKind ?? "");
  if (requested.categories) names.categories = [...requested.categories];
  const ownShort = new Set(accepted.shortNames ?? []);
  const takenShort = (requested.shortNames ?? []).find((s) => !ownShort.has(s) && resources.has(s));
  if (takenShort) conflict("ShortNamesConflict", takenShort);
  else if (requested.shortNames) names.shortNames = [...requested.shortNames];
  else if (!condition) delete names.shortNames;
  return {
    names,
    condition: condition ?? {
      type: "NamesAccepted",
      status: "True",
      reason: "NoConflicts",
      message: "no conflicts found",
    },
  };
}

function approvalCondition(
  crd: CustomResourceDefinition,
): Omit<CrdCondition, "lastTransitionTime"> | undefined {
  if (!isProtectedGroup(crd.spec.group ?? "")) return undefined;
  const value = crd.metadata.annotations?.[APPROVAL_ANNOTATION] ?? "";
  if (value.startsWith("unapproved")) {
    return {
      type: "KubernetesAPIApprovalPolicyConformant",
      status: "False",
      reason: "UnapprovedAnnotation",
      message: `not approved: ${JSON.stringify(value)}`,
    };
  }
  return {
    type: "KubernetesAPIApprovalPolicyConformant",
    status: "True",
    reason: "ApprovedAnnotation",
    message: `approved in ${value}`,
  };
}

/** The status the controllers converge a CRD to, keeping transition times that did not change. */
export function desiredStatus(
  crd: CustomResourceDefinition,
  all: CustomResourceDefinition[],
  now: string,
): NonNullable<CustomResourceDefinition["status"]> {
  const { names, condition } = acceptNames(crd, all);
  const established =
    condition.status === "True" || conditionOf(crd, "Established")?.status === "True"
      ? {
          type: "Established",
          status: "True" as const,
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
        }
      : {
          type: "Established",
          status: "False" as const,
          reason: "NotAccepted",
          message: "not all names are accepted",
        };
  const wanted = [approvalCondition(crd), condition, established].filter(
    (c): c is Omit<CrdCondition, "lastTransitionTime"> => c !== undefined,
  );
  const previous = crd.status?.conditions ?? [];
  const conditions: CrdCondition[] = wanted.map((c) => {
    const before = previous.find((p) => p.type === c.type);
    const same = before?.status === c.status;
    return {
      type: c.type,
      status: c.status,
      lastTransitionTime: same && before?.lastTransitionTime ? before.lastTransitionTime : now,
      reason: c.reason,
      message: c.message,
    };
  });
  // Conditions another controller set (Terminating, NonStructuralSchema, ...) stay.
  for (const p of previous) if (!conditions.some((c) => c.type === p.type)) conditions.push(p);
  return { ...crd.status, acceptedNames: names, conditions };
}

export function startCrdController(rt: Runtime): void {
  const { store, objects } = rt;
  const all = () => [...store.peek(CRD_STORAGE_KEY)] as CustomResourceDefinition[];
  const queue = rt.queue("customresourcedefinitions", reconcile);
  const sameGroup = (group: string | undefined) =>
    all()
      .filter((c) => c.spec.group === group)
      .forEach((c) => {
        queue.add(`names|${c.metadata.name}`);
      });

  rt.watch((event) => {
    if (event.resource !== CRD_STORAGE_KEY) return;
    const crd = event.object as CustomResourceDefinition;
    if (event.type === "DELETED") {
      const plural = crd.status?.acceptedNames?.plural || crd.spec.names?.plural;
      if (plural) queue.add(`cleanup|${plural}.${crd.spec.group}|${crd.metadata.name}`);
    } else {
      queue.add(`names|${crd.metadata.name}`);
    }
    // A name freed or taken may decide another CRD of the group.
    sameGroup(crd.spec.group);
  });
  // A cluster that starts with CRDs has long since established them.
  for (const crd of all()) reconcile(`names|${crd.metadata.name}`);

  function reconcile(key: string): void {
    const [what, target = "", name = ""] = key.split("|");
    if (what === "cleanup") {
      cleanup(target, name);
      return;
    }
    const crd = store.get(CRD_STORAGE_KEY, undefined, target) as CustomResourceDefinition | undefined;
    if (!crd) return;
    const status = desiredStatus(crd, all(), rt.timestamp());
    if (JSON.stringify(status) === JSON.stringify(crd.status)) return;
    objects.writeStatus(CRDS, { ...crd, status });
  }

  /** The CRD's objects go with it, unless a CRD of that name came back meanwhile. */
  function cleanup(storageKey: string, crdName: string): void {
    if (store.get(CRD_STORAGE_KEY, undefined, crdName)) return;
    for (const object of [...store.peek(storageKey)]) {
      store.remove(storageKey, object.metadata.namespace, object.metadata.name ?? "");
    }
  }
}
