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
  if (proxyUrl) return { url: proxyUrl, from: `the proxy-url ${redacted(proxyUrl)} of context "${context}"` };
  const url = new URL(server);
  const secure = url.protocol !== "http:";
  const name = secure ? "HTTPS_PROXY" : "HTTP_PROXY";
  const raw = env[name] || env[name.toLowerCase()];
  if (!raw) return undefined;
  // Go takes a value without a scheme it knows as an http proxy (HTTPS_PROXY=proxy.corp:3128).
  const fromEnv = /^(https?|socks5):\/\//i.test(raw) ? raw : `http://${raw}`;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || isLoopback(host)) return undefined;
  if (bypassed(host, url.port || (secure ? "443" : "80"), env.NO_PROXY || env.no_proxy || ""))
    return undefined;
  return { url: fromEnv, from: `${name} ${redacted(raw)}` };
}

/** A proxy URL fit for a message: its password, if any, replaced as Go's URL.Redacted does. */
export const redacted = (url: string): string =>
  url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/]*@/i, "$1:xxxxx@");

function isLoopback(host: string): boolean {
  const family = isIP(host);
  if (family === 4) return host.startsWith("127.");
  return family === 6 && (host === "::1" || host === "0:0:0:0:0:0:0:1");
}

/**
 * NO_PROXY as Go reads it: `*`; CIDRs; IPs; host names, which match themselves and their
 * subdomains; `.name` and `*.name`, which match subdomains only; each with an optional :port.
 */
function bypassed(host: string, port: string, noProxy: string): boolean {
  const lower = host.toLowerCase();
  const hostFamily = isIP(lower);
  for (const raw of noProxy.split(",").map((e) => e.trim().toLowerCase())) {
    if (!raw) continue;
    if (raw === "*") return true;
    if (raw.includes("/")) {
      const [network = "", bits] = raw.split("/");
      const family = isIP(network);
      if (family && family === hostFamily) {
        const list = new BlockList();
        list.addSubnet(network, Number(bits), family === 4 ? "ipv4" : "ipv6");
        if (list.check(lower, family === 4 ? "ipv4" : "ipv6")) return true;
      }
      continue;
    }
    const [entry, entryPort] = splitHostPort(raw);
    if (!entry || (entryPort && entryPort !== port)) continue;
    if (isIP(entry)) {
      if (hostFamily && sameAddress(entry, lower)) return true;
      continue;
    }
    if (hostFamily) continue;
    const suffix = entry.startsWith("*.") ? entry.slice(1) : entry;
    const matchesItself = !suffix.startsWith(".");
    const dotted = matchesItself ? `.${suffix}` : suffix;
    if (lower.endsWith(dotted) || (matchesItself && lower === suffix)) return true;
  }
  return false;
}

/** `host:port`, `[v6]:port`, or a bare host or address (a bare IPv6 one has colons of its own). */
function splitHostPort(entry: string): [string, string | undefined] {
  if (isIP(entry)) return [entry, undefined];
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return [bracketed[1] ?? "", bracketed[2]];
  const withPort = /^([^:]*):(\d+)$/.exec(entry);
  return withPort ? [withPort[1] ?? "", withPort[2]] : [entry, undefined];
}

function sameAddress(a: string, b: string): boolean {
  const list = new BlockList();
  const family = isIP(a) === 4 ? "ipv4" : "ipv6";
  list.addAddress(a, family);
  return list.check(b, isIP(b) === 4 ? "ipv4" : "ipv6");
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
