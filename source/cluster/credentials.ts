import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { ClusterError, firstLine } from "./errors.ts";
import type { ExecConfig, ResolvedTarget } from "./kubeconfig.ts";
import { holdsCertificate, holdsPrivateKey } from "./pem.ts";

/** What a request to the API server carries to say who it is. */
export interface Credentials {
  headers: Record<string, string | string[]>;
  /** PEM client certificate and key, when the user authenticates with one. */
  cert?: string;
  key?: string;
  /** Which run of the credential plugin these came from, for refresh(). */
  generation?: number;
}

export interface CredentialSource {
  get(): Promise<Credentials>;
  /**
   * After a 401 for these credentials: forget what a credential plugin answered (unless a newer
   * answer came meanwhile), so the next get() asks it again. True when that may help (the user
   * has a plugin or a tokenFile), as client-go retries once then.
   */
  refresh(used: Pick<Credentials, "generation">): boolean;
}

/** How long a tokenFile is trusted before it is read again (client-go: one minute). */
const TOKEN_FILE_TTL_MS = 60_000;
/** A credential plugin that takes longer than this is stuck (waiting for a login prompt, say). */
const EXEC_TIMEOUT_MS = 60_000;

/**
 * The user's credentials as kubectl sends them: client certificate, bearer token (inline, a
 * tokenFile, or from an exec plugin), basic auth, impersonation headers. The legacy oidc
 * auth-provider goes through client-node, loaded only for such a user.
 */
export function credentialsFor(target: ResolvedTarget, options: CredentialOptions = {}): CredentialSource {
  const { user } = target;
  const who = `user "${target.userName}" of context "${target.context}"`;
  const fixed = staticCredentials(target, who);
  // client-go leaves the plugin out when the kubeconfig already says who the user is.
  const exec = user.token || user.tokenFile || user.username || fixed.cert ? undefined : user.exec;
  let tokenFile: { token: string; readAt: number } | undefined;
  // One run of the plugin at a time, shared by every request that needs it meanwhile: a status
  // sends a dozen requests at once, and a plugin may open a browser to log in.
  let plugin: Promise<PluginCredential> | undefined;
  let generation = 0;
  const providerHeader = user.authProvider && authProviderHeader(target, who);

  const pluginCredential = async (exec: ExecConfig): Promise<PluginCredential> => {
    const pending = plugin;
    if (pending) {
      // A failed run fails everyone who waited for it; the next request starts a new one.
      const current = await pending;
      // Used until the moment it says it expires, as client-go does: a request refused for a
      // token that expired on the way gets one retry with a new one (connect.ts).
      if (current.expiresAt === undefined || current.expiresAt > Date.now()) return current;
      if (plugin === pending) plugin = undefined;
      return pluginCredential(exec);
    }
    const run = runExecPlugin(exec, target, who, options);
    plugin = run;
    generation++;
    run.catch(() => {
      if (plugin === run) plugin = undefined;
    });
    return run;
  };

  return {
    async get() {
      const headers: Credentials["headers"] = { ...fixed.headers };
      let { cert, key } = fixed;
      if (user.tokenFile) {
        if (!tokenFile || Date.now() - tokenFile.readAt > TOKEN_FILE_TTL_MS)
          tokenFile = { token: readText(user.tokenFile, "tokenFile", who).trim(), readAt: Date.now() };
        headers.Authorization = `Bearer ${tokenFile.token}`;
      }
      if (exec) {
        const current = await pluginCredential(exec);
        if (current.token) headers.Authorization = `Bearer ${current.token}`;
        if (current.cert && current.key) {
          cert = current.cert;
          key = current.key;
        }
      }
      if (providerHeader) {
        const authorization = await providerHeader();
        if (authorization) headers.Authorization = authorization;
      }
      return { headers, cert, key, generation };
    },
    refresh(used) {
      if (!exec && !user.tokenFile && !user.authProvider) return false;
      // Many requests refused at once ask for one new run, not one each.
      if (used.generation === generation) {
        plugin = undefined;
        tokenFile = undefined;
      }
      return true;
    },
  };
}

function staticCredentials(target: ResolvedTarget, who: string): Credentials {
  const { user } = target;
  const headers: Credentials["headers"] = {};
  if (user.token) headers.Authorization = `Bearer ${user.token}`;
  // A username alone is basic auth with an empty password, as client-go sends it.
  else if (user.username)
    headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64")}`;
  if (user.impersonateUser) headers["Impersonate-User"] = user.impersonateUser;
  if (user.impersonateUid) headers["Impersonate-Uid"] = user.impersonateUid;
  if (user.impersonateGroups?.length) headers["Impersonate-Group"] = user.impersonateGroups;
  for (const [key, values] of Object.entries(user.impersonateExtra ?? {}))
    if (values.length) headers[`Impersonate-Extra-${headerKeyEscape(key)}`] = values;
  const cert = user.clientCertificateData
    ? fromBase64(user.clientCertificateData)
    : user.clientCertificate && readText(user.clientCertificate, "client-certificate", who);
  const key = user.clientKeyData
    ? fromBase64(user.clientKeyData)
    : user.clientKey && readText(user.clientKey, "client-key", who);
  if (cert && !holdsCertificate(cert))
    throw new ClusterError(
      `the ${user.clientCertificateData ? "client-certificate-data" : `client-certificate ${user.clientCertificate}`} of ${who} holds no PEM certificate; fix it in your kubeconfig`,
      "kubeconfig",
    );
  if (key && !holdsPrivateKey(key))
    throw new ClusterError(
      `the ${user.clientKeyData ? "client-key-data" : `client-key ${user.clientKey}`} of ${who} is not an unencrypted PEM private key; fix it in your kubeconfig`,
      "kubeconfig",
    );
  return { headers, cert: cert || undefined, key: key || undefined };
}

interface PluginCredential {
  token?: string;
  cert?: string;
  key?: string;
  expiresAt?: number;
}

/**
 * Whether a credential plugin may talk to the person running us. kubectl always lets it (a
 * device-code login prints its code on stderr); the plain commands do the same, but the tour's
 * screen owns the terminal, so there a plugin runs silent and its last words go into our error.
 */
export interface CredentialOptions {
  pluginsMayPrompt?: boolean;
  /** The environment a plugin runs in (before what the kubeconfig adds); process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/** A plugin that may prompt gets a person's time to log in; a silent one is stuck sooner. */
const PROMPT_TIMEOUT_MS = 5 * 60_000;

/**
 * A client.authentication.k8s.io credential plugin, run as client-go runs it: the command with
 * its args and env, KUBERNETES_EXEC_INFO describing the request, never through a shell.
 */
export function runExecPlugin(
  exec: ExecConfig,
  target: ResolvedTarget,
  who: string,
  options: CredentialOptions = {},
): Promise<PluginCredential> {
  const apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1beta1";
  const plugin = `the credential plugin ${exec.command} of ${who}`;
  const interactive =
    options.pluginsMayPrompt === true && process.stdin.isTTY === true && exec.interactiveMode !== "Never";
  if (exec.interactiveMode === "Always" && !interactive)
    return Promise.reject(
      new ClusterError(
        `${plugin} must ask you something (interactiveMode Always), and ${options.pluginsMayPrompt ? "standard input is not a terminal" : "the tour's screen owns the terminal"}; log in first with kubectl (e.g. kubectl get ns), then run this again`,
        "unauthorized",
      ),
    );
  const info = {
    kind: "ExecCredential",
    apiVersion,
    spec: {
      ...(exec.provideClusterInfo ? { cluster: clusterInfo(target, who) } : {}),
      interactive,
    },
  };
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  for (const { name, value } of exec.env ?? []) env[name] = value;
  // Set last, as client-go does: the kubeconfig's env cannot replace it.
  env.KUBERNETES_EXEC_INFO = JSON.stringify(info);
  const timeoutMs = options.pluginsMayPrompt ? PROMPT_TIMEOUT_MS : EXEC_TIMEOUT_MS;

  return new Promise((resolve, reject) => {
    const fail = (message: string, cause?: unknown) =>
      reject(new ClusterError(`${plugin} ${message}`, "unauthorized", { cause }));
    const child = spawn(exec.command, exec.args ?? [], {
      env,
      stdio: [interactive ? "inherit" : "ignore", "pipe", "pipe"],
      windowsHide: true,
    });
    const stdout: Buffer[] = [];
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      // Kept for the error, and shown as it comes when the person can act on it.
      stderr = (stderr + chunk.toString("utf8")).slice(-4096);
      if (options.pluginsMayPrompt) process.stderr.write(chunk);
    });
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ENOENT")
        return fail(
          `is not installed or not on PATH; ${exec.installHint ? firstLine(exec.installHint) : "install it, or fix users[].user.exec.command in your kubeconfig"}`,
          error,
        );
      fail(`could not run: ${firstLine(error.message)}`, error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut)
        return fail(
          `gave no answer within ${timeoutMs / 1000} s; run it by hand to see whether it waits for a login`,
        );
      if (code !== 0) {
        const said = firstLine(stderr.trim().split("\n").at(-1) ?? "");
        return fail(
          `failed${said ? `: ${said}` : ` (${signal ? `killed by ${signal}` : `exit ${code}`})`}; log in with your cloud's CLI and try again`,
        );
      }
      try {
        resolve(parseExecCredential(Buffer.concat(stdout).toString("utf8"), apiVersion));
      } catch (parseError) {
        fail(
          `printed no usable ExecCredential (${firstLine(String(parseError instanceof Error ? parseError.message : parseError))}); check the plugin's version`,
          parseError,
        );
      }
    });
  });
}

/**
 * The cluster as client-go describes it to a plugin (ExecCredential's spec.cluster): the CA as
 * data even when the kubeconfig names a file, and `config` from the cluster's exec extension,
 * null without one.
 */
function clusterInfo(target: ResolvedTarget, who: string): Record<string, unknown> {
  const { cluster } = target;
  const ca = cluster.certificateAuthorityData
    ? cluster.certificateAuthorityData
    : cluster.certificateAuthority &&
      Buffer.from(readText(cluster.certificateAuthority, "certificate-authority", who)).toString("base64");
  return {
    server: cluster.server,
    ...(cluster.tlsServerName ? { "tls-server-name": cluster.tlsServerName } : {}),
    ...(cluster.insecureSkipTlsVerify ? { "insecure-skip-tls-verify": true } : {}),
    ...(ca ? { "certificate-authority-data": ca } : {}),
    ...(cluster.proxyUrl ? { "proxy-url": cluster.proxyUrl } : {}),
    config: cluster.execExtension ?? null,
  };
}

export function parseExecCredential(stdout: string, apiVersion: string): PluginCredential {
  const parsed = JSON.parse(stdout) as {
    apiVersion?: string;
    kind?: string;
    status?: {
      token?: string;
      clientCertificateData?: string;
      clientKeyData?: string;
      expirationTimestamp?: string;
    };
  };
  if (parsed.kind !== "ExecCredential") throw new Error(`kind is ${parsed.kind ?? "missing"}`);
  if (parsed.apiVersion !== apiVersion)
    throw new Error(`apiVersion ${parsed.apiVersion ?? "missing"}, expected ${apiVersion}`);
  const status = parsed.status ?? {};
  const hasPair = Boolean(status.clientCertificateData && status.clientKeyData);
  if (!status.token && !hasPair) throw new Error("neither a token nor a client certificate and key");
  const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
  return {
    token: status.token,
    cert: hasPair ? status.clientCertificateData : undefined,
    key: hasPair ? status.clientKeyData : undefined,
    expiresAt: Number.isNaN(expiresAt) ? undefined : expiresAt,
  };
}

/**
 * The legacy auth-provider plugins (oidc, and gcp/azure on old kubeconfigs) through client-node,
 * imported for such a user alone. One KubeConfig per user, so a token the provider refreshed is
 * kept (client-node writes it back into the provider's config).
 */
function authProviderHeader(target: ResolvedTarget, who: string): () => Promise<string | undefined> {
  const provider = target.user.authProvider;
  const replaced = provider && REMOVED_PROVIDERS[provider.name];
  if (replaced)
    throw new ClusterError(
      `the ${provider.name} auth-provider of ${who} was removed from kubectl in 1.26; ${replaced}`,
      "kubeconfig",
    );
  if (provider && provider.name !== "oidc")
    throw new ClusterError(
      `the auth-provider "${provider.name}" of ${who} is not one kubectl knows (oidc is the only one left); use the exec credential plugin your cluster's documentation gives instead`,
      "kubeconfig",
    );
  let config: Promise<import("@kubernetes/client-node").KubeConfig> | undefined;
  return async () => {
    if (!provider) return undefined;
    try {
      config ??= import("@kubernetes/client-node").then(({ KubeConfig }) => {
        const loaded = new KubeConfig();
        loaded.loadFromOptions({
          clusters: [
            {
              name: "cluster",
              server: target.server,
              skipTLSVerify: target.cluster.insecureSkipTlsVerify === true,
            },
          ],
          users: [{ name: "user", authProvider: provider }],
          contexts: [{ name: "context", cluster: "cluster", user: "user" }],
          currentContext: "context",
        });
        return loaded;
      });
      const options: { headers: Record<string, string> } = { headers: {} };
      await (await config).applyToHTTPSOptions(options);
      return options.headers.Authorization;
    } catch (error) {
      throw new ClusterError(
        `the ${provider.name} auth-provider of ${who} could not get a token: ${firstLine(error instanceof Error ? error.message : String(error))}; log in again (kubectl would fail the same way)`,
        "unauthorized",
        { cause: error },
      );
    }
  };
}

/** The legacy auth-providers client-go dropped, and what replaced each. */
const REMOVED_PROVIDERS: Record<string, string> = {
  gcp: "install the gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin) and run gcloud container clusters get-credentials again",
  azure: "install kubelogin and run kubelogin convert-kubeconfig",
};

/** client-go's escaping of an Impersonate-Extra- key: bytes that may not appear in a header name, and %, as %XX. */
function headerKeyEscape(key: string): string {
  let out = "";
  for (const byte of Buffer.from(key, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function readText(file: string, field: string, who: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ClusterError(
      `cannot read ${field} ${file} of ${who} (${code}); fix the path in your kubeconfig`,
      "kubeconfig",
      { cause: error },
    );
  }
}

const fromBase64 = (data: string) => Buffer.from(data, "base64").toString("utf8");
