/** JSON with object keys sorted, so equal objects serialise equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * The `pod-template-hash` Kubernetes puts on a Deployment's ReplicaSets: a 32-bit FNV-1a hash of
 * the pod template (plus the collision count), written in decimal and each digit mapped through
 * the alphabet Kubernetes uses for generated names (its SafeEncodeString). That is why real
 * hashes look like "79f774bdb9" and use only ten letters and digits.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let text = canonicalJson(template);
  if (collisionCount) text += `#${collisionCount}`;
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash >>> 0)]
    .map((digit) => SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length])
    .join("");
}
