import type { AgentOptions, ClientRequestArgs, Agent as HttpAgent } from "node:http";
import https from "node:https";
import { BlockList, isIP } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { http } from "../nodeHttp.ts";
import { ClusterError, firstLine } from "./errors.ts";

type Callback = (error: Error | null, socket?: Duplex) => void;

/** Which proxy to go through, and where that was said (for messages). */
export interface ProxyChoice {
  url: string;
  from: string;
}

/**
 * The proxy for this cluster as client-go picks it: the kubeconfig's proxy-url, else
 * HTTPS_PROXY (HTTP_PROXY for an http server) unless NO_PROXY names the host; never for
 * localhost or a loopback address.
 */
export function proxyFor(
  server: string,
  proxyUrl: string | undefined,
  context: string,
  env: Record<string, string | undefined>,
): ProxyChoice | undefined {
  if (proxyUrl) return { url: proxyUrl, from: `the proxy-url ${proxyUrl} of context "${context}"` };
  const url = new URL(server);
  const secure = url.protocol !== "http:";
  const name = secure ? "HTTPS_PROXY" : "HTTP_PROXY";
  const fromEnv = env[name] || env[name.toLowerCase()];
  if (!fromEnv) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || isLoopback(host)) return undefined;
  if (bypassed(host, url.port || (secure ? "443" : "80"), env.NO_PROXY ?? env.no_proxy ?? ""))
    return undefined;
  return { url: fromEnv, from: `${name} ${fromEnv}` };
}

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith("127.");
  return family === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}

/** NO_PROXY as Go reads it: `*`, host names and domain suffixes, IPs, CIDRs, optional :port. */
function bypassed(host: string, port: string, noProxy: string): boolean {
  for (const raw of noProxy.split(",").map((e) => e.trim().toLowerCase())) {
    if (!raw) continue;
    if (raw === "*") return true;
    if (raw.includes("/")) {
      const [network, bits] = raw.split("/");
      const family = isIP(network ?? "");
      const hostFamily = isIP(host);
      if (family && family === hostFamily) {
        const list = new BlockList();
        list.addSubnet(network ?? "", Number(bits), family === 4 ? "ipv4" : "ipv6");
        if (list.check(host, family === 4 ? "ipv4" : "ipv6")) return true;
      }
      continue;
    }
    const portMatch = /^(.*?)(?::(\d+))?$/.exec(raw.replace(/^\[(.*)\]/, "$1"));
    const entry = portMatch?.[1] ?? raw;
    if (portMatch?.[2] && portMatch[2] !== port) continue;
    const bare = entry.replace(/^\*?\./, "");
    const lower = host.toLowerCase();
    if (lower === bare || lower.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/**
 * An http(s) proxy (a kubeconfig's proxy-url or HTTPS_PROXY): each connection is an HTTP CONNECT tunnel
 * through the proxy, then TLS to the API server inside it, as client-go does.
 */
export function proxyAgent(choice: ProxyChoice, secure: boolean): HttpAgent {
  let proxy: URL;
  try {
    proxy = new URL(choice.url);
  } catch {
    throw new ClusterError(`${choice.from} is not a URL; fix it or unset it`, "kubeconfig");
  }
  if (proxy.protocol !== "http:" && proxy.protocol !== "https:")
    throw new ClusterError(
      `${choice.from} uses ${proxy.protocol.replace(":", "")}, and only http and https proxies are supported; use an HTTP proxy or reach the cluster directly`,
      "kubeconfig",
    );
  const options: AgentOptions = { keepAlive: true };
  const agent = secure ? new https.Agent(options) : new http.Agent(options);
  const tunnel = (target: ClientRequestArgs & { servername?: string }, done: Callback) => {
    const authority = `${target.host}:${target.port}`;
    const auth = proxy.username
      ? {
          "Proxy-Authorization": `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString("base64")}`,
        }
      : {};
    const request = (proxy.protocol === "https:" ? https : http).request({
      host: proxy.hostname,
      port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: authority,
      headers: { Host: authority, ...auth },
    });
    request.once("connect", (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        return done(
          Object.assign(
            new Error(
              `the proxy ${proxy.host} refused to connect to ${authority} (HTTP ${response.statusCode})`,
            ),
            { code: "EPROXY", proxy: choice.from },
          ),
        );
      }
      if (!secure) return done(null, socket);
      const { host, servername, ...tls } = target as ClientRequestArgs & Record<string, unknown>;
      done(null, tlsConnect({ ...tls, socket, servername: servername ?? host ?? undefined } as never));
    });
    // Marked, so the message blames the proxy rather than the cluster behind it.
    request.once("error", (error) =>
      done(Object.assign(new Error(firstLine(error.message)), error, { proxy: choice.from })),
    );
    request.end();
  };
  // Node's Agent accepts a connection handed over later through the callback.
  (agent as unknown as { createConnection: typeof tunnel }).createConnection = tunnel;
  return agent;
}
