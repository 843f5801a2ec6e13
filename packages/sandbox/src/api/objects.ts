import { randomBytes } from "node:crypto";
import type { KubeObject } from "../kube.ts";
import { StoreBudgetError } from "../store/budget.ts";
import { type Store, StoreConflictError, StoreExistsError, StoreNotFoundError } from "../store/store.ts";
import type { AdmissionPlugin, Operation } from "./admission.ts";
import { type ResourceType, storageKey } from "./resources.ts";
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  namespaceNotFound,
  notFound,
  StatusError,
} from "./status.ts";

export interface WriteOptions {
  /** fieldManager: who owns the fields this write sets (managedFields). */
  manager: string;
  dryRun?: boolean;
  /** Server-side apply has already worked out managedFields; record nothing more. */
  managedFieldsSet?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

/** Records which manager owns which fields; supplied by the patch module. */
export type ManagedFieldsRecorder = (
  before: KubeObject | undefined,
  after: KubeObject,
  manager: string,
  apiVersion: string,
  now: string,
) => KubeObject;

const GENERATE_SUFFIX = "bcdfghjklmnpqrstvwxz2456789";
export const randomSuffix = (length = 5): string =>
  [...randomBytes(length)].map((b) => GENERATE_SUFFIX[b % GENERATE_SUFFIX.length]).join("");

const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * The API server's object semantics between HTTP and the store: namespace checks, generateName,
 * admission (defaults, injection, validation), optimistic concurrency, managed fields, graceful
 * deletion, finalizers and owner propagation. Controllers write through it too, so what they
 * do looks to watchers exactly like what a client did.
 */
export class ObjectService {
  constructor(
    readonly store: Store,
    readonly admission: AdmissionPlugin[],
    private readonly recordManagedFields: ManagedFieldsRecorder,
  ) {}

  get(r: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(storageKey(r), scope(r, namespace), name);
    if (!found) throw notFound(r, name);
    return found;
  }

  find(r: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(storageKey(r), scope(r, namespace), name);
  }

  list(
    r: ResourceType,
    namespace: string | undefined,
    matches?: (object: KubeObject) => boolean,
  ): { items: KubeObject[]; resourceVersion: string } {
    // Read the revision first: anything written after it will be replayed to a watch from it.
    const resourceVersion = String(this.store.revision);
    return { items: this.store.list(storageKey(r), scope(r, namespace), matches), resourceVersion };
  }

  create(
    r: ResourceType,
    namespace: string | undefined,
    body: KubeObject,
    options: WriteOptions,
  ): KubeObject {
    const object = structuredClone(body);
    object.metadata ??= {};
    const meta = object.metadata;
    if (r.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request",
        );
      }
      meta.namespace = namespace ?? meta.namespace;
      this.#requireLiveNamespace(meta.namespace ?? "");
    } else {
      delete meta.namespace;
    }
    if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`;
    if (!meta.name) {
      throw invalid(r, "", [
        {
          field: "metadata.name",
          message: "Required value: name or generateName is required",
          reason: "FieldValueRequired",
        },
      ]);
    }
    for (const key of [
      "uid",
      "resourceVersion",
      "creationTimestamp",
      "deletionTimestamp",
      "generation",
    ] as const) {
      delete meta[key];
    }
    this.#admit("CREATE", r, object);
    if (tracksGeneration(r)) meta.generation = 1;
    const now = this.store.now();
    const recorded = options.managedFieldsSet
      ? object
      : this.recordManagedFields(undefined, object, options.manager, object.apiVersion ?? "", timestamp(now));
    if (options.dryRun) return recorded;
    try {
      return this.store.create(storageKey(r), recorded);
    } catch (error) {
      if (error instanceof StoreExistsError) throw alreadyExists(r, meta.name);
      if (error instanceof StoreBudgetError) throw overBudget(r, meta.name, error);
      throw error;
    }
  }

  /**
   * Store a new version of an existing object. `subresource` "status" keeps everything but
   * status from the stored object (and the reverse for the main resource), as the API does.
   */
  update(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    body: KubeObject,
    options: WriteOptions & { subresource?: string },
  ): KubeObject {
    const current = this.get(r, namespace, name);
    if (body.metadata?.name && body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const requested = body.metadata?.resourceVersion;
    if (requested && requested !== current.metadata.resourceVersion) throw conflict(r, name);
    let next: KubeObject;
    if (options.subresource === "status") {
      next = { ...current, status: body.status };
    } else {
      next = { ...structuredClone(body), status: current.status };
      next.metadata = {
        ...structuredClone(body.metadata ?? {}),
        name,
        namespace: current.metadata.namespace,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        deletionTimestamp: current.metadata.deletionTimestamp,
        deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
        generation: current.metadata.generation,
      };
      if (!r.namespaced) delete next.metadata.namespace;
      for (const key of ["deletionTimestamp", "deletionGracePeriodSeconds"] as const) {
        if (next.metadata[key] === undefined) delete next.metadata[key];
      }
      next.metadata.managedFields ??= current.metadata.managedFields;
      this.#admit("UPDATE", r, next, current);
    }
    next.apiVersion ??= current.apiVersion;
    next.kind ??= current.kind;
    const now = timestamp(this.store.now());
    const recorded = options.managedFieldsSet
      ? next
      : this.recordManagedFields(current, next, options.manager, next.apiVersion ?? "", now);
    if (options.dryRun) return recorded;
    const stored = this.#write(r, recorded, current.metadata.resourceVersion);
    return this.#finishDeletionIfDue(r, stored);
  }

  /** Write without admission or managed fields: controllers updating status or bookkeeping. */
  writeStatus(r: ResourceType, object: KubeObject): KubeObject {
    return this.#write(r, object, object.metadata.resourceVersion);
  }

  delete(
    r: ResourceType,
    namespace: string | undefined,
    name: string,
    options: DeleteOptions = {},
  ): KubeObject {
    const current = this.get(r, namespace, name);
    const { preconditions } = options;
    if (preconditions?.uid && preconditions.uid !== current.metadata.uid) {
      throw new StatusError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${r.plural} "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
      );
    }
    if (
      preconditions?.resourceVersion &&
      preconditions.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw conflict(r, name);
    }
    if (options.dryRun) return current;
    const key = storageKey(r);
    const policy = options.propagationPolicy ?? "Background";
    const meta = current.metadata;

    if (policy === "Orphan") this.#orphanDependents(current);
    const finalizers = new Set(meta.finalizers ?? []);
    if (policy === "Foreground") finalizers.add("foregroundDeletion");
    if (r.kind === "Namespace") finalizers.add("kubernetes");

    const grace = this.#gracePeriod(r, current, options.gracePeriodSeconds);
    if (finalizers.size > 0 || grace > 0) {
      if (!meta.deletionTimestamp || (grace > 0 && grace < (meta.deletionGracePeriodSeconds ?? Infinity))) {
        const now = this.store.now();
        meta.deletionTimestamp = timestamp(new Date(now.getTime() + grace * 1000));
        meta.deletionGracePeriodSeconds = grace;
      }
      meta.finalizers = finalizers.size ? [...finalizers] : undefined;
      if (!meta.finalizers) delete meta.finalizers;
      if (r.kind === "Namespace") current.status = { ...(current.status as object), phase: "Terminating" };
      return this.#write(r, current, undefined);
    }
    return this.store.remove(key, scope(r, namespace), name) ?? current;
  }

  #gracePeriod(r: ResourceType, pod: KubeObject, requested?: number): number {
    if (r.kind !== "Pod") return 0;
    const spec = pod.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    // An unscheduled pod has no kubelet to stop it, so it goes at once, as on a real cluster.
    if (!spec?.nodeName) return 0;
    const grace = requested ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }

  #orphanDependents(owner: KubeObject): void {
    for (const [key, objects] of this.#allObjects()) {
      for (const object of objects) {
        const refs = object.metadata.ownerReferences ?? [];
        if (!refs.some((ref) => ref.uid === owner.metadata.uid)) continue;
        const copy = structuredClone(object);
        copy.metadata.ownerReferences = refs.filter((ref) => ref.uid !== owner.metadata.uid);
        this.store.update(key, copy);
      }
    }
  }

  *#allObjects(): Generator<[string, Iterable<KubeObject>]> {
    for (const key of ["pods", "replicasets.apps", "deployments.apps", "endpoints", "events"]) {
      yield [key, [...this.store.peek(key)]];
    }
  }

  /** An object marked for deletion goes once its finalizers are gone and no grace is left. */
  #finishDeletionIfDue(r: ResourceType, object: KubeObject): KubeObject {
    const meta = object.metadata;
    if (!meta.deletionTimestamp || meta.finalizers?.length) return object;
    if (r.kind === "Pod" && (meta.deletionGracePeriodSeconds ?? 0) > 0) return object;
    return this.store.remove(storageKey(r), meta.namespace, meta.name ?? "") ?? object;
  }

  #write(r: ResourceType, object: KubeObject, expected: string | undefined): KubeObject {
    try {
      return this.store.update(storageKey(r), object, expected);
    } catch (error) {
      if (error instanceof StoreConflictError) throw conflict(r, object.metadata.name ?? "");
      if (error instanceof StoreNotFoundError) throw notFound(r, object.metadata.name ?? "");
      if (error instanceof StoreBudgetError) throw overBudget(r, object.metadata.name ?? "", error);
      throw error;
    }
  }

  #admit(operation: Operation, resource: ResourceType, object: KubeObject, old?: KubeObject): void {
    for (const plugin of this.admission) plugin({ operation, resource, object, old, store: this.store });
  }

  #requireLiveNamespace(namespace: string): void {
    const ns = this.store.get("namespaces", undefined, namespace);
    if (!ns) throw namespaceNotFound(namespace);
    if (ns.metadata.deletionTimestamp) {
      throw new StatusError(
        403,
        "Forbidden",
        `unable to create new content in namespace ${namespace} because it is being terminated`,
        { name: namespace, kind: "namespaces" },
      );
    }
  }
}

/**
 * A write the store has no room for: 413 for one object larger than etcd takes, else 403 in the
 * words of an exceeded ResourceQuota, which is what a cluster says when a namespace is full.
 */
function overBudget(r: ResourceType, name: string, error: StoreBudgetError): StatusError {
  if (error.limit === "objectBytes")
    return new StatusError(
      413,
      "RequestEntityTooLarge",
      `Request entity too large: etcdserver: request is too large (the object is ${error.requested} bytes, at most ${error.max} are stored)`,
    );
  return new StatusError(403, "Forbidden", `${storageKey(r)} "${name}" is forbidden: ${error.message}`, {
    name,
    ...(r.group ? { group: r.group } : {}),
    kind: r.plural,
  });
}

/** Kinds whose API strategy keeps metadata.generation (pods and services do not, in 1.32). */
const tracksGeneration = (r: ResourceType) =>
  r.custom !== undefined ||
  [
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "CustomResourceDefinition",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
  ].includes(r.kind);

const scope = (r: ResourceType, namespace: string | undefined) => (r.namespaced ? namespace : undefined);
