// Durations and timestamps as the API server's table printers write them. The server formats
// AGE and "3 (45s ago)" with apimachinery's duration.HumanDuration and treats a zero or missing
// timestamp as "<unknown>" (translateTimestampSince); kubectl prints those cells verbatim.

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

// Go's zero time.Time, which an object decoded without the field carries.
const ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

/** duration.HumanDuration: precise while short, coarser as it grows (Go truncates). */
export function humanDuration(ms: number): string {
  const s = Math.trunc(ms / S);
  if (Number.isNaN(s) || s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return `${s}s`;
  const m = Math.trunc(ms / M);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.trunc(ms / H);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.trunc(ms / D);
  if (h < 8 * 24) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (ms < 2 * Y) return `${d}d`;
  const y = Math.trunc(ms / Y);
  if (ms < 8 * Y) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** Epoch ms of an RFC 3339 timestamp, or undefined for none, garbage or Go's zero time. */
export function parseKubeTime(timestamp: string | undefined | null): number | undefined {
  if (!timestamp) return undefined;
  const ms = Date.parse(timestamp);
  return Number.isNaN(ms) || ms <= ZERO_TIME ? undefined : ms;
}

/** translateTimestampSince: the time since `timestamp`, "<unknown>" without one. */
export function age(timestamp: string | undefined | null, now: number): string {
  if (timestamp && Number.isNaN(Date.parse(timestamp))) return "<invalid>";
  const ms = parseKubeTime(timestamp);
  return ms === undefined ? "<unknown>" : humanDuration(now - ms);
}
