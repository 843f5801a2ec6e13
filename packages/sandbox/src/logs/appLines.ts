import { bookinfoImage } from "../istio/seed.ts";
import type { Container, Pod } from "../kube.ts";

// What the containers the sandbox simulates print, as their real images do: gunicorn and
// Flask with urllib3's debug log (productpage), WEBrick (details), Node (ratings), Open
// Liberty (reviews) and pilot-agent (istio-proxy). Pure functions of what happened.

const pad2 = (n: number) => String(n).padStart(2, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** gunicorn's "[2025-12-03 14:30:00 +0000]". */
const gunicornTime = (at: Date) =>
  `[${at.getUTCFullYear()}-${pad2(at.getUTCMonth() + 1)}-${pad2(at.getUTCDate())} ${pad2(at.getUTCHours())}:${pad2(at.getUTCMinutes())}:${pad2(at.getUTCSeconds())} +0000]`;
/** WEBrick's log time, "[2025-12-03 14:30:00]". */
const webrickTime = (at: Date) => gunicornTime(at).replace(" +0000]", "]");
/** WEBrick's access-log time, "[03/Dec/2025:14:30:00 UTC]". */
const commonLogTime = (at: Date) =>
  `[${pad2(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:${pad2(at.getUTCHours())}:${pad2(at.getUTCMinutes())}:${pad2(at.getUTCSeconds())} UTC]`;
/** pilot-agent's zap time, microseconds. */
const agentTime = (at: Date) => `${at.toISOString().slice(0, 23)}000Z`;

export type AppKind =
  | "productpage"
  | "details"
  | "ratings"
  | "reviews"
  | "proxy"
  | "istio-init"
  | "nginx"
  | "other";

// Asked for on every request that is logged; pods and their containers are reused objects.
const kinds = new WeakMap<Container, AppKind>();
const apps = new WeakMap<Pod, Container | null>();

export function appKind(container: Container): AppKind {
  let kind = kinds.get(container);
  if (!kind) {
    kind = kindOf(container);
    kinds.set(container, kind);
  }
  return kind;
}

function kindOf(container: Container): AppKind {
  const image = container.image ?? "";
  if ((container.args as string[] | undefined)?.[0] === "istio-iptables") return "istio-init";
  if (container.name === "istio-proxy" || /\/proxyv2[:@]/.test(image)) return "proxy";
  const repository = image.split(/[:@]/, 1)[0] ?? "";
  // The image a workshop reaches for first: `kubectl create deployment web --image=nginx`.
  if (/(^|\/)nginx$/.test(repository)) return "nginx";
  return bookinfoImage(image)?.app ?? "other";
}

/** nginx's "2025/06/01 10:00:00". */
const nginxTime = (at: Date) =>
  `${at.getUTCFullYear()}/${pad2(at.getUTCMonth() + 1)}/${pad2(at.getUTCDate())} ${pad2(at.getUTCHours())}:${pad2(at.getUTCMinutes())}:${pad2(at.getUTCSeconds())}`;

/** The container that runs the pod's program (not the sidecar). */
export function appContainer(pod: Pod): Container | undefined {
  let app = apps.get(pod);
  if (app === undefined) {
    const containers = pod.spec?.containers ?? [];
    app =
      containers.find((c) => appKind(c) !== "proxy" && appKind(c) !== "other") ??
      containers.find((c) => c.name !== "istio-proxy") ??
      null;
    apps.set(pod, app);
  }
  return app ?? undefined;
}

/** Whether the app logs each request it serves (only WEBrick, in Bookinfo) or each call it makes. */
export const logsServed = (container: Container) => appKind(container) === "details";
export const logsCalls = (container: Container) => appKind(container) === "productpage";

const isGateway = (pod: Pod) =>
  pod.metadata.labels?.istio === "ingressgateway" ||
  pod.metadata.labels?.["gateway.networking.k8s.io/gateway-name"] !== undefined ||
  (pod.spec?.containers ?? []).some(
    (c) => c.name === "istio-proxy" && (c.args as string[] | undefined)?.includes("router"),
  );

/** What a container prints as it starts. */
export function startupLines(pod: Pod, container: Container, at: Date, istioVersion: string): string[] {
  const name = pod.metadata.name ?? "";
  switch (appKind(container)) {
    case "productpage": {
      const t = gunicornTime(at);
      return [
        `${t} [1] [INFO] Starting gunicorn 23.0.0`,
        `${t} [1] [INFO] Listening at: http://[::]:9080 (1)`,
        `${t} [1] [INFO] Using worker: gevent`,
        ...Array.from({ length: 8 }, (_, i) => `${t} [${7 + i}] [INFO] Booting worker with pid: ${7 + i}`),
      ];
    }
    case "details": {
      const t = webrickTime(at);
      return [
        `${t} INFO  WEBrick 1.8.2`,
        `${t} INFO  ruby 3.3.5 (2024-09-03) [x86_64-linux]`,
        `${t} INFO  WEBrick::HTTPServer#start: pid=1 port=9080`,
      ];
    }
    case "ratings":
      return ["Server listening on: http://0.0.0.0:9080"];
    case "istio-init": {
      const t = agentTime(at);
      return [
        `${t}\tinfo\tIstio iptables environment:`,
        "ENVOY_PORT=",
        "INBOUND_CAPTURE_PORT=",
        "ISTIO_INBOUND_INTERCEPTION_MODE=",
        "ISTIO_INBOUND_PORTS=",
        "ISTIO_OUTBOUND_PORTS=",
        "ISTIO_LOCAL_EXCLUDE_PORTS=",
        "ISTIO_EXCLUDE_INTERFACES=",
        "ISTIO_SERVICE_CIDR=",
        "ISTIO_SERVICE_EXCLUDE_CIDR=",
        "ISTIO_META_DNS_CAPTURE=",
        "INVALID_DROP=",
        `${t}\tinfo\tIstio iptables variables:`,
        "IPTABLES_VERSION=",
        "PROXY_PORT=15001",
        "PROXY_INBOUND_CAPTURE_PORT=15006",
        "PROXY_TUNNEL_PORT=15008",
        "PROXY_UID=1337",
        "PROXY_GID=1337",
        "INBOUND_INTERCEPTION_MODE=REDIRECT",
        "INBOUND_TPROXY_MARK=1337",
        "INBOUND_TPROXY_ROUTE_TABLE=133",
        "INBOUND_PORTS_INCLUDE=*",
        "INBOUND_PORTS_EXCLUDE=15090,15021,15020",
        "OUTBOUND_OWNER_GROUPS_INCLUDE=*",
        "OUTBOUND_IP_RANGES_INCLUDE=*",
        "KUBE_VIRT_INTERFACES=",
        "ENABLE_INBOUND_IPV6=false",
        "DUAL_STACK=false",
        "DNS_CAPTURE=false",
        "CAPTURE_ALL_DNS=false",
        `${t}\tinfo\tRunning iptables-restore with the following input:`,
        "* nat",
        "-N ISTIO_INBOUND",
        "-N ISTIO_REDIRECT",
        "-N ISTIO_IN_REDIRECT",
        "-N ISTIO_OUTPUT",
        "-A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN",
        "-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
        "-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006",
        "-A PREROUTING -p tcp -j ISTIO_INBOUND",
        "-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN",
        "-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN",
        "-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN",
        "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT",
        "-A OUTPUT -p tcp -j ISTIO_OUTPUT",
        "-A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN",
        "-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT",
        "-A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN",
        "-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN",
        "-A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT",
        "-A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN",
        "-A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN",
        "-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN",
        "-A ISTIO_OUTPUT -j ISTIO_REDIRECT",
        "COMMIT",
        `${t}\tinfo\tRunning ip6tables-restore with the following input:`,
      ];
    }
    case "nginx": {
      const t = nginxTime(at);
      return [
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
        "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
        "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
        "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
        "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
        "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
        "/docker-entrypoint.sh: Configuration complete; ready for start up",
        `${t} [notice] 1#1: using the "epoll" event method`,
        `${t} [notice] 1#1: nginx/1.27.3`,
        `${t} [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14)`,
        `${t} [notice] 1#1: OS: Linux 6.8.0-1017-gcp`,
        `${t} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576`,
        `${t} [notice] 1#1: start worker processes`,
        `${t} [notice] 1#1: start worker process 29`,
        `${t} [notice] 1#1: start worker process 30`,
      ];
    }
    case "reviews":
      return [
        "Launching defaultServer (Open Liberty 24.0.0.9/wlp-1.0.93.cl240920240903-1901) on Eclipse OpenJ9 VM, version 17.0.12+7 (en_US)",
        "[AUDIT   ] CWWKE0001I: The server defaultServer has been launched.",
        "[AUDIT   ] CWWKG0093A: Processing configuration drop-ins resource: /opt/ol/wlp/usr/servers/defaultServer/configDropins/defaults/keystore.xml",
        "[AUDIT   ] CWWKZ0058I: Monitoring dropins for applications.",
        `[AUDIT   ] CWWKT0016I: Web application available (default_host): http://${name}:9080/`,
        "[AUDIT   ] CWWKZ0001I: Application reviews-app started in 3.412 seconds.",
        "[AUDIT   ] CWWKF0012I: The server installed the following features: [cdi-4.0, jaxrs-3.1, jsonb-3.0, jsonp-2.1, mpConfig-3.1, servlet-6.0].",
        "[AUDIT   ] CWWKF0011I: The defaultServer server is ready to run a smarter planet. The defaultServer server started in 5.127 seconds.",
      ];
    case "proxy": {
      const t = agentTime(at);
      const namespace = pod.metadata.namespace ?? "default";
      const role = isGateway(pod) ? "router" : "sidecar";
      return [
        `${t}\tinfo\tFLAG: --concurrency="2"`,
        `${t}\tinfo\tFLAG: --domain="${namespace}.svc.cluster.local"`,
        `${t}\tinfo\tFLAG: --proxyLogLevel="warning"`,
        `${t}\tinfo\tVersion ${istioVersion}-5b38c3cbd0f8bd0a54d2b4296b4c8fb2fcf1c4b2-Clean`,
        `${t}\tinfo\tProxy role\tips=[${pod.status?.podIP ?? ""}] type=${role} id=${name}.${namespace} domain=${namespace}.svc.cluster.local`,
        `${t}\tinfo\tApply proxy config from env {}`,
        `${t}\tinfo\tcache\tgenerated new workload certificate\tresourceName=default latency=104.811924ms ttl=23h59m59.187462013s`,
        `${t}\tinfo\tcache\tRoot cert has changed, start rotating root cert`,
        `${t}\tinfo\tads\tSDS: PUSH request for node:${name}.${namespace} resources:1 size:4.0kB resource:default`,
        `${t}\tinfo\tStarting proxy agent`,
        `${t}\tinfo\tEnvoy command: [-c etc/istio/proxy/envoy-rev.json --drain-time-s 45 --drain-strategy immediate --local-address-ip-version v4 --file-flush-interval-msec 1000 --disable-hot-restart --allow-unknown-static-fields -l warning --component-log-level misc:error --concurrency 2]`,
        `${t}\tinfo\txdsproxy\tconnected to delta upstream XDS server: istiod.istio-system.svc:15012\tid=1`,
        `${t}\tinfo\tads\tADS: new connection for node:1`,
        `${t}\tinfo\tReadiness succeeded in 1.092612459s`,
        `${t}\tinfo\tEnvoy proxy is ready`,
      ];
    }
    default:
      return [];
  }
}

/** What a container prints when kubelet stops it (SIGTERM). */
export function shutdownLines(container: Container, at: Date): string[] {
  switch (appKind(container)) {
    case "productpage": {
      const t = gunicornTime(at);
      return [
        `${t} [1] [INFO] Handling signal: term`,
        ...Array.from({ length: 8 }, (_, i) => `${t} [${7 + i}] [INFO] Worker exiting (pid: ${7 + i})`),
        `${t} [1] [INFO] Shutting down: Master`,
      ];
    }
    case "details": {
      const t = webrickTime(at);
      return [`${t} INFO  going to shutdown ...`, `${t} INFO  WEBrick::HTTPServer#start done.`];
    }
    case "reviews":
      return [
        "[AUDIT   ] CWWKE0085I: The server defaultServer is stopping because the JVM is exiting.",
        "[AUDIT   ] CWWKE0036I: The server defaultServer stopped after 3 minutes, 12.004 seconds.",
      ];
    case "nginx": {
      const t = nginxTime(at);
      return [
        `${t} [notice] 1#1: signal 3 (SIGQUIT) received, shutting down`,
        `${t} [notice] 29#29: gracefully shutting down`,
        `${t} [notice] 29#29: exiting`,
        `${t} [notice] 29#29: exit`,
        `${t} [notice] 1#1: worker process 29 exited with code 0`,
        `${t} [notice] 1#1: exit`,
      ];
    }
    case "proxy": {
      const t = agentTime(at);
      return [
        `${t}\tinfo\tStatus server has successfully terminated`,
        `${t}\tinfo\tAgent draining Proxy for termination`,
        `${t}\tinfo\tGraceful termination period is 5s, starting...`,
        `${t}\tinfo\tGraceful termination period complete, terminating remaining proxies.`,
        `${t}\twarn\tAborting proxy`,
        `${t}\tinfo\tEnvoy aborted normally`,
        `${t}\twarn\tAborted proxy instance`,
        `${t}\tinfo\tAgent has successfully terminated`,
      ];
    }
    default:
      return [];
  }
}

/** The app's own line for a request it served; only WEBrick (details) logs each request. */
export function servedLines(
  container: Container,
  request: { method: string; path: string; headers: Readonly<Record<string, string>> },
  response: { status: number; body: string },
  sourceIP: string,
  at: Date,
): string[] {
  if (appKind(container) !== "details") return [];
  const host = sourceIP.includes(":") ? sourceIP : `::ffff:${sourceIP}`;
  const size = Buffer.byteLength(response.body);
  const path = request.path.split("?")[0];
  return [
    `${host} - - ${commonLogTime(at)} "${request.method} ${request.path} HTTP/1.1" ${response.status} ${size || "-"}`,
    `${request.headers.referer ?? "-"} -> ${path}`,
  ];
}

/** A Python bytes literal of an ASCII string, as http.client's debug output prints it. */
const pythonBytes = (text: string) =>
  `b'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\r/g, "\\r").replace(/\n/g, "\\n")}'`;

/**
 * productpage's log of one call it made: it turns on http.client's debug output and
 * urllib3's debug logging, so every call shows the request sent and the response headers.
 */
export function calledLines(
  caller: Container,
  url: string,
  request: { method: string; headers: Readonly<Record<string, string>> },
  response: { status: number; headers: Readonly<Record<string, string>>; body: string } | undefined,
): string[] {
  if (appKind(caller) !== "productpage") return [];
  const m = /^http:\/\/([^/]+)(.*)$/.exec(url);
  const host = m?.[1] ?? url;
  const path = m?.[2] || "/";
  const lines = [`DEBUG:urllib3.connectionpool:Starting new HTTP connection (1): ${host}`];
  const sent = [
    `${request.method} ${path} HTTP/1.1`,
    `Host: ${host}`,
    `User-Agent: ${request.headers["user-agent"] ?? "python-requests/2.32.3"}`,
    "Accept-Encoding: gzip, deflate",
    "Accept: */*",
    "Connection: keep-alive",
    ...Object.entries(request.headers)
      .filter(([k]) => k !== "user-agent" && k !== "host")
      .map(([k, v]) => `${k}: ${v}`),
  ];
  lines.push(`send: ${pythonBytes(`${sent.join("\r\n")}\r\n\r\n`)}`);
  if (!response) return lines;
  lines.push(`reply: 'HTTP/1.1 ${response.status} ${STATUS_TEXT[response.status] ?? ""}\\r\\n'`);
  for (const [name, value] of Object.entries(response.headers)) lines.push(`header: ${name}: ${value}`);
  lines.push(
    `DEBUG:urllib3.connectionpool:http://${host} "${request.method} ${path} HTTP/1.1" ${response.status} ${Buffer.byteLength(response.body)}`,
  );
  return lines;
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  302: "Found",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
