import type { Pod } from "../kube.ts";
import type { SimRequest, SimResponse } from "./http.ts";

// Envoy's access log lines in Istio's default format (meshConfig.accessLogFile set,
// accessLogEncoding TEXT or JSON), one per request each proxy handles: the gateway and a
// caller's sidecar log outbound, the callee's sidecar logs inbound.

/** One request as one proxy saw it. */
export interface ProxyHop {
  /** The pod whose istio-proxy handled the request. */
  proxy: Pod;
  direction: "outbound" | "inbound";
  started: Date;
  durationMs: number;
  request: SimRequest;
  /** Undefined when the client went away before the answer. */
  response: SimResponse | undefined;
  /** Where the request went, and on which port of that pod. */
  upstream?: { pod: Pod; port: number };
  /** outbound: the destination as Envoy names its cluster. */
  cluster?: { host: string; port: number; subset?: string };
  routeName?: string;
  /** A fault delay was injected before the request went on. */
  delayed: boolean;
  /** The address the client dialled (a Service's ClusterIP for a sidecar's outbound). */
  dialled?: { ip?: string; port: number };
  /** The client: a pod, or undefined for a request from outside the cluster. */
  downstream?: Pod;
  /** inbound: the SNI of the mTLS connection from a caller with a proxy. */
  mtls?: { host: string; port: number; subset?: string };
}

// Outside clients reach pods through the node, which SNATs them to its bridge address.
const NODE_BRIDGE = "10.244.0.1";

function ephemeral(): number {
  return 32768 + Math.floor(Math.random() * 28232);
}

const dash = (value: string | number | undefined): string =>
  value === undefined || value === "" ? "-" : String(value);

const ipOf = (pod: Pod | undefined): string => pod?.status?.podIP ?? NODE_BRIDGE;

/** The fields of Istio's default format, in its order; undefined prints as "-". */
export function accessLogFields(hop: ProxyHop): Record<string, string | number | undefined> {
  const { request, response } = hop;
  const local = response?.localReply;
  const flags: string[] = [];
  if (hop.delayed) flags.push("DI");
  if (local) flags.push(local.flags);
  if (!response) flags.push("DC");
  const inbound = hop.direction === "inbound";
  const proxyIP = ipOf(hop.proxy);
  const upstreamHost = hop.upstream && !local ? `${ipOf(hop.upstream.pod)}:${hop.upstream.port}` : undefined;
  let cluster: string | undefined;
  if (inbound) cluster = `inbound|${hop.upstream?.port ?? hop.dialled?.port ?? ""}||`;
  else if (hop.cluster && local?.flags !== "NR" && local?.flags !== "NC")
    cluster = `outbound|${hop.cluster.port}|${hop.cluster.subset ?? ""}|${hop.cluster.host}`;
  const transportFailure = local?.flags === "UF" ? "delayed_connect_error:_Connection_refused" : undefined;
  return {
    start_time: hop.started.toISOString(),
    method: request.method,
    path: request.headers["x-envoy-original-path"] ?? request.path,
    protocol: "HTTP/1.1",
    response_code: response?.status ?? 0,
    response_flags: flags.length ? flags.join(",") : undefined,
    response_code_details: !response ? "downstream_remote_disconnect" : (local?.details ?? "via_upstream"),
    connection_termination_details: undefined,
    upstream_transport_failure_reason: transportFailure,
    bytes_received: Buffer.byteLength(request.body),
    bytes_sent: response ? Buffer.byteLength(response.body) : 0,
    duration: Math.max(0, Math.round(hop.durationMs)),
    upstream_service_time: response?.headers["x-envoy-upstream-service-time"],
    x_forwarded_for: hop.downstream
      ? request.headers["x-forwarded-for"]
      : (request.headers["x-forwarded-for"] ?? NODE_BRIDGE),
    user_agent: request.headers["user-agent"],
    request_id: request.headers["x-request-id"],
    authority: request.headers.host,
    upstream_host: upstreamHost,
    upstream_cluster: cluster,
    upstream_local_address: upstreamHost ? `${inbound ? "127.0.0.6" : proxyIP}:${ephemeral()}` : undefined,
    downstream_local_address: inbound
      ? `${proxyIP}:${hop.upstream?.port ?? hop.dialled?.port}`
      : hop.dialled
        ? `${hop.dialled.ip ?? proxyIP}:${hop.dialled.port}`
        : undefined,
    downstream_remote_address: `${ipOf(hop.downstream)}:${ephemeral()}`,
    requested_server_name: hop.mtls
      ? `outbound_.${hop.mtls.port}_.${hop.mtls.subset ?? ""}_.${hop.mtls.host}`
      : undefined,
    route_name: hop.routeName ?? (inbound ? "default" : undefined),
  };
}

/** Istio's default TEXT format. */
export function textAccessLog(hop: ProxyHop): string {
  const f = accessLogFields(hop);
  const q = (value: string | number | undefined) => `"${dash(value)}"`;
  return (
    `[${f.start_time}] "${f.method} ${f.path} ${f.protocol}" ${f.response_code} ${dash(f.response_flags)} ` +
    `${dash(f.response_code_details)} ${dash(f.connection_termination_details)} ${q(f.upstream_transport_failure_reason)} ` +
    `${f.bytes_received} ${f.bytes_sent} ${f.duration} ${dash(f.upstream_service_time)} ${q(f.x_forwarded_for)} ` +
    `${q(f.user_agent)} ${q(f.request_id)} ${q(f.authority)} ${q(f.upstream_host)} ${dash(f.upstream_cluster)} ` +
    `${dash(f.upstream_local_address)} ${dash(f.downstream_local_address)} ${dash(f.downstream_remote_address)} ` +
    `${dash(f.requested_server_name)} ${dash(f.route_name)}`
  );
}

/** Istio's JSON format: the same fields, null where TEXT prints "-". */
export function jsonAccessLog(hop: ProxyHop): string {
  const fields = accessLogFields(hop);
  const out: Record<string, string | number | null> = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] = value === undefined ? null : name === "upstream_service_time" ? String(value) : value;
  }
  return JSON.stringify(out);
}
