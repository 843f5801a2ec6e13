import type { AgentOptions, ClientRequestArgs, Agent as HttpAgent } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import { connect as tlsConnect } from "node:tls";
import { http } from "../nodeHttp.ts";
import { ClusterError, firstLine } from "./errors.ts";

type Callback = (error: Error | null, socket?: Duplex) => void;

/**
 * A kubeconfig's `proxy-url` for http(s) proxies: each connection is an HTTP CONNECT tunnel
 * through the proxy, then TLS to the API server inside it, as client-go does.
 */
export function proxyAgent(proxyUrl: string, secure: boolean, context: string): HttpAgent {
  let proxy: URL;
  try {
    proxy = new URL(proxyUrl);
  } catch {
    throw new ClusterError(
      `the proxy-url ${proxyUrl} of context "${context}" is not a URL; fix it in your kubeconfig`,
      "kubeconfig",
    );
  }
  if (proxy.protocol !== "http:" && proxy.protocol !== "https:")
    throw new ClusterError(
      `the proxy-url ${proxyUrl} of context "${context}" uses ${proxy.protocol.replace(":", "")}, and only http and https proxies are supported; use an HTTP proxy or reach the cluster directly`,
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
            { code: "EPROXY" },
          ),
        );
      }
      if (!secure) return done(null, socket);
      const { host, servername, ...tls } = target as ClientRequestArgs & Record<string, unknown>;
      done(null, tlsConnect({ ...tls, socket, servername: servername ?? host ?? undefined } as never));
    });
    request.once("error", (error) =>
      done(Object.assign(new Error(`the proxy ${proxy.host}: ${firstLine(error.message)}`), error)),
    );
    request.end();
  };
  // Node's Agent accepts a connection handed over later through the callback.
  (agent as unknown as { createConnection: typeof tunnel }).createConnection = tunnel;
  return agent;
}
