// The in-process HTTP exchange the simulated proxies and workloads hand each other. Nothing
// between simulated pods goes over a socket; only the gateway's NodePort is a real listener.

export interface SimRequest {
  method: string;
  /** Path and query exactly as on the request line, e.g. "/productpage?u=normal". */
  path: string;
  /** Lower-case names; repeated headers already joined the way Node joins them. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface SimResponse {
  status: number;
  /** Lower-case names, as Envoy writes them. */
  headers: Record<string, string>;
  body: string;
  /** Set on answers a proxy made up itself: what its access log says about them. */
  localReply?: { flags: string; details: string };
}

export const pathOnly = (path: string): string => {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
};

export const queryOf = (path: string): URLSearchParams => {
  const q = path.indexOf("?");
  return new URLSearchParams(q === -1 ? "" : path.slice(q + 1));
};

/** Host header without the port: Istio matches "host" and "host:port" alike. */
export function hostWithoutPort(host: string | undefined): string {
  if (!host) return "";
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(":");
  return (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
}
