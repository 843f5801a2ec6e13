import { createHash } from "node:crypto";
import type { RecordedConnect, RecordedRequest } from "./endpoint.ts";

export type Client = "kubectl" | "ours" | "client-node";

/**
 * What one client made of one case, as named facts ("facets") in a shape the three clients share,
 * so they compare with ===. A facet a client cannot express (client-node has no --user) is absent.
 */
export type Facets = Record<string, string>;

export interface Observation {
  client: Client;
  facets: Facets;
  /** The client's own words when it failed, for the report of a difference. */
  said?: string;
}

/** The parts of a kubeconfig entry every client can be asked about, kubeconfig spelling. */
export interface Resolved {
  context?: string;
  clusterName?: string;
  userName?: string;
  server?: string;
  /** PEM text of the CA the client will trust, "unreadable" when the file cannot be read. */
  caPem?: string;
  insecure?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** Which ways of saying who the user is the entry holds. */
  credential: string[];
  impersonation: string[];
}

/** The facets resolutionFacets gives: what a client made of the kubeconfig before sending anything. */
export const RESOLUTION_FACETS = new Set([
  "context",
  "cluster",
  "user",
  "server",
  "ca",
  "insecure-skip-tls-verify",
  "tls-server-name",
  "proxy-url",
  "credential",
  "impersonation",
]);

/** The facets requestFacets gives of the pod list itself (Impersonate-* headers too). */
export const REQUEST_FACETS = {
  has: (facet: string) =>
    [
      "reached",
      "namespace",
      "proxy",
      "sni",
      "client-certificate",
      "authorization",
      "accept",
      "user-agent",
    ].includes(facet) || facet.startsWith("impersonate-"),
};

/** Turns resolved values into facets; `known` names the PEMs the corpus uses. */
export function resolutionFacets(resolved: Resolved, known: Record<string, string>): Facets {
  const ca =
    resolved.caPem === undefined
      ? "system roots"
      : (Object.entries(known).find(([, pem]) => pem.trim() === resolved.caPem?.trim())?.[0] ??
        (resolved.caPem === "unreadable" ? "unreadable" : `sha256:${hash(resolved.caPem)}`));
  return {
    context: resolved.context ?? "",
    cluster: resolved.clusterName ?? "",
    user: resolved.userName ?? "",
    server: withScheme(resolved.server ?? ""),
    ca,
    "insecure-skip-tls-verify": String(resolved.insecure === true),
    "tls-server-name": resolved.tlsServerName ?? "",
    "proxy-url": resolved.proxyUrl ?? "",
    credential: resolved.credential.length ? [...resolved.credential].sort().join("+") : "none",
    impersonation: resolved.impersonation.join(" ") || "none",
  };
}

/** The kinds of credential in a kubeconfig `user` object (kubeconfig spelling). */
export function credentialKinds(user: Record<string, unknown> | undefined): string[] {
  if (!user) return [];
  const has = (key: string) => user[key] !== undefined && user[key] !== "" && user[key] !== null;
  const kinds: string[] = [];
  if (has("token")) kinds.push("token");
  if (has("tokenFile")) kinds.push("tokenFile");
  if (has("username") || has("password")) kinds.push("basic");
  if (has("client-certificate") || has("client-certificate-data")) kinds.push("client-certificate");
  if (has("exec")) kinds.push("exec");
  if (has("auth-provider")) kinds.push("auth-provider");
  return kinds;
}

/** Impersonation asked for by a kubeconfig `user` object, as `field=value` words. */
export function impersonationOf(user: Record<string, unknown> | undefined): string[] {
  if (!user) return [];
  const words: string[] = [];
  if (user.as) words.push(`as=${user.as}`);
  if (user["as-uid"]) words.push(`as-uid=${user["as-uid"]}`);
  if (Array.isArray(user["as-groups"]) && user["as-groups"].length)
    words.push(`as-groups=${user["as-groups"].join(",")}`);
  const extra = user["as-user-extra"];
  if (extra && typeof extra === "object")
    for (const [key, values] of Object.entries(extra).sort())
      words.push(`as-user-extra.${key}=${([] as unknown[]).concat(values).join(",")}`);
  return words;
}

const POD_LIST = /^\/api\/v1\/namespaces\/([^/?]+)\/pods(\?|$)/;

/**
 * What reached the endpoint for the pod list: where, through what, as whom. Headers that only
 * say which program sent the request (Kubectl-Command, Kubectl-Session) are left out.
 */
export function requestFacets(
  requests: RecordedRequest[],
  connects: RecordedConnect[],
  values: Record<string, string>,
): Facets {
  const list = requests.filter((r) => POD_LIST.test(r.url)).at(-1);
  const proxy = connects.length
    ? generalise(
        `CONNECT ${connects[0]?.target}${connects[0]?.proxyAuthorization ? ` with ${connects[0].proxyAuthorization}` : ""}`,
        values,
      )
    : "direct";
  // How many requests the server refused along the way: one per stale credential, then new ones.
  const refused = requests.filter((r) => r.status === 401).length;
  const refusals: Facets = refused ? { "requests refused with 401": String(refused) } : {};
  if (!list) {
    const plain = requests.find((r) => r.plainHttp);
    return {
      reached: plain ? `${plain.listener}, without TLS` : "nothing",
      ...(connects.length ? { proxy } : {}),
      ...refusals,
    };
  }
  const header = (name: string) => list.headers[name]?.join(", ") ?? "";
  const facets: Facets = {
    reached: list.listener,
    namespace: POD_LIST.exec(list.url)?.[1] ?? "",
    proxy,
    sni: list.servername ?? "",
    "client-certificate": list.clientCertificate ?? "",
    authorization: header("authorization"),
    accept: header("accept"),
    "user-agent": userAgentShape(header("user-agent")),
  };
  for (const [name, values] of Object.entries(list.headers))
    if (name.startsWith("impersonate-")) facets[name] = values.join(", ");
  return { ...facets, ...refusals };
}

/** client-go's User-Agent is `name/version (os/arch) ...`: the shape is compared, not the name. */
export function userAgentShape(agent: string): string {
  const match = /^([A-Za-z0-9._-]+)\/(v?\d+\.\d+\.\d+\S*) \(([a-z0-9]+)\/([a-z0-9]+)\)/.exec(agent);
  return match ? `NAME/VERSION (${match[3]}/${match[4]})` : `not client-go's shape: ${agent || "(none)"}`;
}

/**
 * Failures, named the same whoever reported them: each client words its errors its own way, so
 * a category is recognised from any of the wordings (kubectl's, ours, client-node's).
 */
const CATEGORIES: [string, RegExp][] = [
  // client-node's fallback is http://localhost:8080 too, which it then refuses to use.
  ["fell back to localhost:8080", /localhost:8080|HTTP protocol is not allowed when skipTLSVerify/],
  [
    "kubeconfig file missing",
    /^error: stat .*: no such file or directory|the kubeconfig file .* does not exist|ENOENT: no such file or directory, open '[^']*(config|\.yaml)'/,
  ],
  ["no kubeconfig", /no kubeconfig found|no configuration has been provided/],
  [
    "no current context",
    /has no current context|defines no contexts|no context chosen|current-context must exist/,
  ],
  [
    "context not found",
    /context was not found for specified context|is not in kubeconfig|of kubeconfig .* does not exist|cannot locate context|no context exists/,
  ],
  [
    "no server",
    /no server found for cluster|cluster\.server is missing|does not define with a server|cluster has no server defined|is not a cluster with a server/,
  ],
  [
    "user not found",
    /uses user .* which kubeconfig .* does not define|auth info .* does not exist|is not a user of kubeconfig/,
  ],
  ["asked for a username and password", /^Please enter Username:/],
  ["exec bad output", /decoding stdout|printed no usable ExecCredential|plugin returned version/],
  [
    "malformed kubeconfig",
    /not valid YAML|is not a kubeconfig|error converting YAML|yaml: line \d|couldn't get version\/kind|YAMLException/,
  ],
  ["CA given twice", /certificate-authority-data and certificate-authority/],
  [
    "insecure with a CA",
    /root certificates file with the insecure flag|insecure-skip-tls-verify together with/,
  ],
  ["more than one credential", /more than one authentication method|more than one way to authenticate/],
  [
    "client certificate given twice",
    /client-cert(ificate)?-data and client-cert|client-key-data and client-key/,
  ],
  ["client key missing", /client-key-data or client-key must be specified|client certificate without a key/],
  ["impersonation without a user", /without impersonating a user|without a user to impersonate/],
  [
    "exec and auth-provider",
    /authProvider cannot be provided in combination with an exec plugin|both an exec plugin and an auth-provider/,
  ],
  [
    "invalid exec config",
    /to use exec authentication plugin|invalid interactiveMode|the exec plugin of user .* has /,
  ],
  ["auth-provider removed", /auth plugin has been removed|auth-provider of .* was removed/],
  ["unknown auth-provider", /no Auth Provider found for name|is not one kubectl knows/],
  [
    "exec not found",
    /executable .* not found|is not installed or not on PATH|fork\/exec .*: no such file or directory|spawn .* ENOENT/,
  ],
  ["exec needs a terminal", /standard input is not a terminal|owns the terminal|interactive mode/],
  ["exec failed", /exec: executable .* failed|credential plugin .* failed/],
  ["invalid proxy-url", /invalid 'proxy-url'|proxy-url .* is not a URL|TypeError: Invalid URL/],
  [
    "not PEM",
    /failed to find any PEM data|unable to parse bytes as PEM|holds no PEM|is not an unencrypted PEM/,
  ],
  ["unreadable file", /no such file or directory|ENOENT|cannot read/],
  [
    "TLS name mismatch",
    /certificate is valid for|ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate|Hostname\/IP does not match/,
  ],
  [
    "TLS unknown authority",
    /unknown authority|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify|local issuer|not trusted/,
  ],
  ["unauthorized", /Unauthorized|must be logged in|refused the credentials/],
  ["host not found", /ENOTFOUND|no such host|does not resolve|EAI_AGAIN/],
  [
    "plain HTTP to a TLS port",
    /Client sent an HTTP request to an HTTPS server|rejected our request for an unknown reason/,
  ],
  ["proxy not supported", /only http and https proxies are supported/],
  ["proxy refused", /proxy.*(refused|502|Bad Gateway)|proxyconnect/i],
  ["connection refused", /ECONNREFUSED|connection refused|was refused/],
];

/** Whether a failure showed each text the case says it should. */
export function mentionFacets(mentions: string[], said: string | undefined): Facets {
  return Object.fromEntries(
    mentions.map((text) => [`mentions "${text}"`, said?.includes(text) ? "yes" : "no"]),
  );
}

export function errorCategory(text: string): string {
  for (const [name, pattern] of CATEGORIES) if (pattern.test(text)) return name;
  return `unrecognised: ${
    text
      .split("\n")
      .find((l) => l.trim())
      ?.slice(0, 120) ?? ""
  }`;
}

/** Replaces this run's values (folders, ports) by the placeholder that stands for them. */
export function generalise(text: string, values: Record<string, string>): string {
  const keys = ["DIR", "HOME", "OTHER_SERVER", "SERVER", "PROXY", "PORT", "PROXY_PORT"].filter(
    (k) => values[k],
  );
  let out = text;
  // Longest first, so a folder is not half-replaced by a shorter one inside it.
  for (const key of keys.sort((a, b) => (values[b] ?? "").length - (values[a] ?? "").length))
    out = out.split(values[key] ?? "").join(`\${${key}}`);
  return out;
}

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 12);

const withScheme = (server: string) =>
  !server || /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
