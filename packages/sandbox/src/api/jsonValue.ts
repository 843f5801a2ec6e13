// JSON values as parsed request bodies hold them, and the helpers patching and applying share.

export type JsonObject = Record<string, unknown>;

/** `status` is what the API server should answer with (400 BadRequest, 422 Invalid, 500). */
export class PatchError extends Error {
  override name = "PatchError";
  constructor(
    message: string,
    readonly status: 400 | 422 | 500 = 400,
  ) {
    super(message);
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  // An undefined property is an absent one, as it would be after a JSON round trip.
  const defined = (o: JsonObject) => Object.keys(o).filter((k) => o[k] !== undefined);
  const keys = defined(a);
  return keys.length === defined(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

// A body parsed from JSON may carry an own "__proto__" key; plain assignment would set the prototype.
export function setKey(target: JsonObject, key: string, value: unknown): void {
  if (key === "__proto__")
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
