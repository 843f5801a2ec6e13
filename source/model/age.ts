// Ages as kubectl prints them. The API server formats AGE (and "3 (45s ago)") with
// k8s.io/apimachinery's HumanDuration, so these thresholds follow it exactly: people compare
// our tables with `kubectl get` side by side.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const YEAR_DAYS = 365;

// Go's zero time.Time (0001-01-01T00:00:00Z); the printers treat it like a missing timestamp.
const GO_ZERO_TIME = Date.parse("0001-01-01T00:00:00Z");

export function humanDuration(ms: number): string {
  // Go truncates towards zero; one second of clock skew still reads as "now".
  const seconds = Math.trunc(ms / SECOND);
  if (Number.isNaN(seconds) || seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 10) {
    const rest = seconds % 60;
    return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
  }
  if (minutes < 3 * 60) return `${minutes}m`;

  const hours = Math.floor(ms / HOUR);
  if (hours < 8) {
    const rest = minutes % 60;
    return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
  }
  if (hours < 48) return `${hours}h`;

  const days = Math.floor(hours / 24);
  if (hours < 8 * 24) {
    const rest = hours % 24;
    return rest === 0 ? `${days}d` : `${days}d${rest}h`;
  }
  if (hours < 2 * YEAR_DAYS * 24) return `${days}d`;

  const years = Math.floor(days / YEAR_DAYS);
  if (hours < 8 * YEAR_DAYS * 24) {
    const rest = days % YEAR_DAYS;
    return rest === 0 ? `${years}y` : `${years}y${rest}d`;
  }
  return `${years}y`;
}

/** Milliseconds since the epoch, or undefined when the timestamp is absent or Go's zero time. */
export function parseKubeTime(timestamp: string | undefined | null): number | undefined {
  if (!timestamp) return undefined;
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms) || ms <= GO_ZERO_TIME) return undefined;
  return ms;
}

export function age(timestamp: string | undefined | null, now: number): string {
  if (!timestamp) return "<unknown>";
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return "<invalid>";
  if (ms <= GO_ZERO_TIME) return "<unknown>";
  return humanDuration(now - ms);
}
