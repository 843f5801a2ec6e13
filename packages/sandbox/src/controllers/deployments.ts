import { StatusError } from "../api/status.ts";
import type { KubeObject, OwnerReference } from "../kube.ts";
import { CONTROLLER_MANAGER, DEPLOYMENTS, KEY, objectKey, REPLICA_SETS, splitKey } from "./kinds.ts";
import { selectorMatches } from "./labelSelector.ts";
import { controllerRef, isTerminal } from "./podState.ts";
import {
  condition,
  DESIRED_REPLICAS,
  type Deployment,
  type DeploymentStatus,
  deploymentStatus,
  desiredReplicas,
  HASH_LABEL,
  isComplete,
  MAX_REPLICAS,
  maxSurge,
  maxUnavailable,
  newReplicaSetReplicas,
  REVISION,
  type ReplicaSet,
  revisionOf,
  sameTemplate,
  setCondition,
  specReplicas,
} from "./rollout.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson, podTemplateHash } from "./templateHash.ts";

// Annotations that describe the deployment object itself rather than what its ReplicaSets run.
const NOT_COPIED = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  "deployment.kubernetes.io/revision-history",
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);

const byCreation = (a: KubeObject, b: KubeObject) =>
  (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") ||
  (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");

/**
 * Deployment -> ReplicaSets, as kube-controller-manager does it: one ReplicaSet per distinct pod
 * template (named after its hash), rolling updates within maxSurge/maxUnavailable, revision
 * annotations, old ReplicaSets kept up to revisionHistoryLimit, and the status and conditions
 * `kubectl rollout status` waits on.
 */
export function startDeploymentController(rt: Runtime): void {
  const queue = rt.queue("deployment", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.deployments) queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.replicaSets) {
      const owner = controllerRef(event.object);
      if (owner?.kind === "Deployment") queue.add(objectKey(metadata.namespace, owner.name));
      // An orphaned ReplicaSet may be adopted by a deployment whose selector matches it.
      else if (!owner) for (const d of store.peek(KEY.deployments, metadata.namespace)) queue.add(keyOf(d));
    } else if (event.resource === KEY.pods && event.type === "DELETED") {
      // Recreate waits for the old pods to be gone, not just scaled away.
      const rsRef = controllerRef(event.object);
      const rs = rsRef && store.get(KEY.replicaSets, metadata.namespace, rsRef.name);
      const owner = rs && controllerRef(rs);
      if (owner?.kind === "Deployment") queue.add(objectKey(metadata.namespace, owner.name));
    }
  });
  for (const d of store.peek(KEY.deployments)) queue.add(keyOf(d));

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    let d = store.get(KEY.deployments, namespace, name) as Deployment | undefined;
    if (!d) return;
    let all = replicaSetsOf(d);
    if (d.metadata.deletionTimestamp) {
      writeStatus(
        d,
        d.status ?? {},
        all,
        all.find((rs) => sameTemplate(rs.spec?.template, d?.spec?.template)),
      );
      return;
    }

    const working: DeploymentStatus = structuredClone(d.status ?? {});
    const now = rt.timestamp();
    const found = all.filter((rs) => sameTemplate(rs.spec?.template, d?.spec?.template)).sort(byCreation)[0];
    const old = all.filter((rs) => rs !== found);
    const maxOldRevision = Math.max(0, ...old.map(revisionOf));
    let newRS: ReplicaSet;
    if (found) {
      newRS = syncNewReplicaSet(d, found, maxOldRevision);
      if (
        !working.conditions?.some((c) => c.type === "Progressing") &&
        d.spec?.progressDeadlineSeconds !== undefined
      ) {
        const message = `Found new replica set "${newRS.metadata.name}"`;
        setCondition(working, condition("Progressing", "True", "FoundNewReplicaSet", message, now));
      }
    } else {
      // Recreate never runs old and new pods together: the new ReplicaSet waits for the old pods.
      if (d.spec?.strategy?.type === "Recreate" && !drainOld(d, old)) {
        writeStatus(d, working, replicaSetsOf(d), undefined);
        return;
      }
      const created = createNewReplicaSet(d, all, maxOldRevision);
      if (!created) {
        // A ReplicaSet with our name runs another template: hash again with a bumped count.
        const status = {
          ...structuredClone(d.status ?? {}),
          collisionCount: (d.status?.collisionCount ?? 0) + 1,
        };
        objects.update(
          DEPLOYMENTS,
          namespace,
          name,
          { ...d, status },
          { ...CONTROLLER_MANAGER, subresource: "status" },
        );
        return;
      }
      newRS = created;
      if (d.spec?.progressDeadlineSeconds !== undefined) {
        const message = `Created new replica set "${newRS.metadata.name}"`;
        setCondition(working, condition("Progressing", "True", "NewReplicaSetCreated", message, now));
      }
    }
    d = syncRevision(d, newRS);
    all = [...old, newRS];

    if (d.spec?.strategy?.type === "Recreate") recreate(d, all, newRS);
    else rollingUpdate(d, all, newRS);

    all = replicaSetsOf(d);
    const latestNew = all.find((rs) => rs.metadata.uid === newRS.metadata.uid);
    if (isComplete(d, d.status ?? {}))
      cleanupHistory(
        d,
        all.filter((rs) => rs !== latestNew),
      );
    writeStatus(d, working, all, latestNew);
  }

  /** The deployment's ReplicaSets, adopting orphans its selector matches (after an orphaning delete). */
  function replicaSetsOf(d: Deployment): ReplicaSet[] {
    const owned: ReplicaSet[] = [];
    for (const rs of store.peek(KEY.replicaSets, d.metadata.namespace) as Iterable<ReplicaSet>) {
      const ref = controllerRef(rs);
      if (ref?.uid === d.metadata.uid) owned.push(structuredClone(rs));
      else if (
        !ref &&
        !rs.metadata.deletionTimestamp &&
        selectorMatches(d.spec?.selector, rs.metadata.labels)
      ) {
        const adopted = structuredClone(rs);
        adopted.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerRef(d)];
        owned.push(
          objects.update(
            REPLICA_SETS,
            rs.metadata.namespace,
            rs.metadata.name ?? "",
            adopted,
            CONTROLLER_MANAGER,
          ),
        );
      }
    }
    return owned;
  }

  function createNewReplicaSet(
    d: Deployment,
    all: ReplicaSet[],
    maxOldRevision: number,
  ): ReplicaSet | undefined {
    const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
    const name = `${d.metadata.name}-${hash}`;
    const template = structuredClone(d.spec?.template ?? {});
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [HASH_LABEL]: hash },
    };
    const selector = structuredClone(d.spec?.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {
          ...copiedAnnotations(d),
          ...replicaAnnotations(d),
          [REVISION]: String(maxOldRevision + 1),
        },
        ownerReferences: [ownerRef(d)],
      },
      spec: {
        replicas: newReplicaSetReplicas(d, all, undefined),
        ...(d.spec?.minReadySeconds ? { minReadySeconds: d.spec.minReadySeconds } : {}),
        selector,
        template,
      },
    };
    try {
      const created = objects.create(
        REPLICA_SETS,
        d.metadata.namespace,
        rs,
        CONTROLLER_MANAGER,
      ) as ReplicaSet;
      const replicas = specReplicas(created);
      if (replicas > 0) scaled(d, `Scaled up replica set ${name} from 0 to ${replicas}`);
      return created;
    } catch (error) {
      if (!(error instanceof StatusError && error.reason === "AlreadyExists")) throw error;
      const existing = store.get(KEY.replicaSets, d.metadata.namespace, name) as ReplicaSet | undefined;
      const ours = existing && controllerRef(existing)?.uid === d.metadata.uid;
      if (existing && ours && sameTemplate(existing.spec?.template, d.spec?.template)) return existing;
      return undefined;
    }
  }

  /** Brings the current template's ReplicaSet up to date: a rollback makes it the newest revision. */
  function syncNewReplicaSet(d: Deployment, rs: ReplicaSet, maxOldRevision: number): ReplicaSet {
    const annotations = { ...rs.metadata.annotations, ...copiedAnnotations(d) };
    if (revisionOf(rs) <= maxOldRevision) annotations[REVISION] = String(maxOldRevision + 1);
    const minReady = d.spec?.minReadySeconds || undefined;
    if (
      canonicalJson(annotations) === canonicalJson(rs.metadata.annotations ?? {}) &&
      rs.spec?.minReadySeconds === minReady
    ) {
      return rs;
    }
    const next = structuredClone(rs);
    next.metadata.annotations = annotations;
    if (next.spec) {
      if (minReady) next.spec.minReadySeconds = minReady;
      else delete next.spec.minReadySeconds;
    }
    return objects.update(
      REPLICA_SETS,
      rs.metadata.namespace,
      rs.metadata.name ?? "",
      next,
      CONTROLLER_MANAGER,
    );
  }

  function syncRevision(d: Deployment, newRS: ReplicaSet): Deployment {
    const revision = newRS.metadata.annotations?.[REVISION];
    if (!revision || d.metadata.annotations?.[REVISION] === revision) return d;
    const next = structuredClone(d);
    next.metadata.annotations = { ...next.metadata.annotations, [REVISION]: revision };
    return objects.update(DEPLOYMENTS, d.metadata.namespace, d.metadata.name ?? "", next, CONTROLLER_MANAGER);
  }

  function scale(d: Deployment, rs: ReplicaSet, replicas: number): ReplicaSet {
    const annotations = { ...rs.metadata.annotations, ...replicaAnnotations(d) };
    if (
      specReplicas(rs) === replicas &&
      canonicalJson(annotations) === canonicalJson(rs.metadata.annotations ?? {})
    ) {
      return rs;
    }
    const next = structuredClone(rs);
    next.metadata.annotations = annotations;
    next.spec = { ...next.spec, replicas };
    const updated = objects.update(
      REPLICA_SETS,
      rs.metadata.namespace,
      rs.metadata.name ?? "",
      next,
      CONTROLLER_MANAGER,
    ) as ReplicaSet;
    const before = specReplicas(rs);
    if (before !== replicas)
      scaled(
        d,
        `Scaled ${replicas > before ? "up" : "down"} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
      );
    return updated;
  }

  function scaled(d: Deployment, message: string): void {
    rt.events.record(
      { ...d, apiVersion: "apps/v1", kind: "Deployment" },
      { type: "Normal", reason: "ScalingReplicaSet", message },
      { component: "deployment-controller" },
    );
  }

  function rollingUpdate(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): void {
    const desired = desiredReplicas(d);
    const current = specReplicas(newRS);
    if (current > desired) {
      scale(d, newRS, desired);
      return;
    }
    if (current < desired) {
      const target = newReplicaSetReplicas(d, all, newRS);
      if (target !== current) {
        scale(d, newRS, target);
        return;
      }
    }
    scaleDownOld(d, all, newRS);
  }

  /** Old pods go only as far as keeping desired - maxUnavailable pods available allows. */
  function scaleDownOld(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): void {
    let old = all.filter((rs) => rs !== newRS && specReplicas(rs) > 0).sort(byCreation);
    if (!old.length) return;
    const minAvailable = desiredReplicas(d) - maxUnavailable(d);
    const total = all.reduce((n, rs) => n + specReplicas(rs), 0);
    const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = total - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return;

    // Unavailable old pods cost nothing to remove, so they go first.
    let cleaned = 0;
    old = old.map((rs) => {
      const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
      if (cleaned >= maxScaledDown || unhealthy <= 0) return rs;
      const count = Math.min(maxScaledDown - cleaned, unhealthy);
      cleaned += count;
      return scale(d, rs, specReplicas(rs) - count);
    });

    const available = [...old, newRS].reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    let toScaleDown = available - minAvailable;
    for (const rs of old) {
      if (toScaleDown <= 0) break;
      const count = Math.min(specReplicas(rs), toScaleDown);
      if (count <= 0) continue;
      scale(d, rs, specReplicas(rs) - count);
      toScaleDown -= count;
    }
  }

  function recreate(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet): void {
    if (
      drainOld(
        d,
        all.filter((rs) => rs !== newRS),
      )
    )
      scale(d, newRS, desiredReplicas(d));
  }

  /** Scales the old ReplicaSets to zero; true once none of their pods is left running. */
  function drainOld(d: Deployment, old: ReplicaSet[]): boolean {
    let scaledDown = false;
    for (const rs of old) {
      if (specReplicas(rs) > 0) {
        scale(d, rs, 0);
        scaledDown = true;
      }
    }
    if (scaledDown) return false;
    const oldUids = new Set(old.map((rs) => rs.metadata.uid));
    for (const pod of store.peek(KEY.pods, d.metadata.namespace)) {
      if (oldUids.has(controllerRef(pod)?.uid) && !isTerminal(pod)) return false;
    }
    return true;
  }

  function cleanupHistory(d: Deployment, old: ReplicaSet[]): void {
    const limit = d.spec?.revisionHistoryLimit ?? 10;
    const alive = old
      .filter((rs) => !rs.metadata.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    let excess = alive.length - limit;
    for (const rs of alive) {
      if (excess <= 0) break;
      const idle = specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0;
      const observed = (rs.status?.observedGeneration ?? 0) >= (rs.metadata.generation ?? 0);
      if (!idle || !observed) continue;
      objects.delete(REPLICA_SETS, rs.metadata.namespace, rs.metadata.name ?? "", {
        preconditions: { uid: rs.metadata.uid },
      });
      excess--;
    }
  }

  function writeStatus(
    d: Deployment,
    current: DeploymentStatus,
    all: ReplicaSet[],
    newRS: ReplicaSet | undefined,
  ) {
    const status = deploymentStatus(d, current, all, newRS, rt.timestamp());
    if (canonicalJson(status) === canonicalJson(d.status ?? {})) return;
    objects.update(
      DEPLOYMENTS,
      d.metadata.namespace,
      d.metadata.name ?? "",
      { ...d, status },
      { ...CONTROLLER_MANAGER, subresource: "status" },
    );
  }
}

const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name);

function ownerRef(d: Deployment): OwnerReference {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    name: d.metadata.name ?? "",
    uid: d.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

function copiedAnnotations(d: Deployment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    if (!NOT_COPIED.has(key)) out[key] = value;
  }
  return out;
}

function replicaAnnotations(d: Deployment): Record<string, string> {
  return {
    [DESIRED_REPLICAS]: String(desiredReplicas(d)),
    [MAX_REPLICAS]: String(desiredReplicas(d) + maxSurge(d)),
  };
}
