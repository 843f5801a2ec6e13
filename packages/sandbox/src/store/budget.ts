// How much the sandbox's store may hold, so that no request (nor a controller acting on one, such
// as a Deployment asking for two billion replicas) can grow the process until it dies. A real
// cluster has the same kinds of bounds: etcd's request size, its database quota, ResourceQuotas.

export interface StoreBudget {
  /** Objects of all kinds together. */
  maxObjects: number;
  /** Their JSON, all together, in bytes. */
  maxBytes: number;
  /** One object's JSON, in bytes: etcd's default request limit. */
  maxObjectBytes: number;
  /** Objects of one resource (storage key) in one namespace. */
  perNamespace: Record<string, number>;
  /** The JSON of the changes watches may resume from, in bytes; the oldest go first. */
  maxHistoryBytes: number;
}

export const DEFAULT_BUDGET: StoreBudget = {
  maxObjects: 20_000,
  maxBytes: 64 * 1024 * 1024,
  maxObjectBytes: 1_572_864,
  perNamespace: { pods: 1_000 },
  maxHistoryBytes: 32 * 1024 * 1024,
};

/** What ran out: the message names the limit, what was used and what the write asked for. */
export class StoreBudgetError extends Error {
  override name = "StoreBudgetError";
  constructor(
    readonly limit: "objects" | "bytes" | "objectBytes" | "perNamespace",
    /** The quota-style resource name, e.g. "pods" or "count/objects". */
    readonly resource: string,
    readonly requested: number,
    readonly used: number,
    readonly max: number,
  ) {
    super(
      `exceeded quota: sandbox-budget, requested: ${resource}=${requested}, used: ${resource}=${used}, limited: ${resource}=${max}`,
    );
  }
}
