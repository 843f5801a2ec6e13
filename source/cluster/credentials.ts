import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { ClusterError, firstLine } from "./errors.ts";
import type { ExecConfig, ResolvedTarget } from "./kubeconfig.ts";

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
/** Plugin credentials are renewed this long before they say they expire. */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * The user's credentials as kubectl sends them: client certificate, bearer token (inline, a
 * tokenFile, or from an exec plugin), basic auth, impersonation headers. The legacy auth-provider
 * plugins (oidc and the like) go through client-node, loaded only for such a user.
 */
export function credentialsFor(target: ResolvedTarget, options: CredentialOptions = {}): CredentialSource {
  const { user } = target;
  const who = `user "${target.userName}" of context "${target.context}"`;
  const fixed = staticCredentials(target, who);
  let tokenFile: { token: string; readAt: number } | undefined;
  // One run of the plugin at a time, shared by every request that needs it meanwhile: a status
  // sends a dozen requests at once, and a plugin may open a browser to log in.
  let plugin: Promise<PluginCredential> | undefined;
  let generation = 0;
  const providerHeader = authProviderHeader(target, who);

  const pluginCredential = async (exec: ExecConfig): Promise<PluginCredential> => {
    const pending = plugin;
    if (pending) {
      // A failed run fails everyone who waited for it; the next request starts a new one.
      const current = await pending;
      if (current.expiresAt === undefined || current.expiresAt - EXPIRY_MARGIN_MS > Date.now())
        return current;
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
      if (user.exec) {
        const current = await pluginCredential(user.exec);
        if (current.token) headers.Authorization = `Bearer ${current.token}`;
        if (current.cert && current.key) {
          cert = current.cert;
          key = current.key;
        }
      }
      if (user.authProvider) {
        const authorization = await providerHeader();
        if (authorization) headers.Authorization = authorization;
      }
      return { headers, cert, key, generation };
    },
    refresh(used) {
      if (!user.exec && !user.tokenFile && !user.authProvider) return false;
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
  else if (user.username !== undefined && user.password !== undefined)
    headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`;
  if (user.impersonateUser) headers["Impersonate-User"] = user.impersonateUser;
  if (user.impersonateGroups?.length) headers["Impersonate-Group"] = user.impersonateGroups;
  const cert = user.clientCertificateData
    ? fromBase64(user.clientCertificateData)
    : user.clientCertificate && readText(user.clientCertificate, "client-certificate", who);
  const key = user.clientKeyData
    ? fromBase64(user.clientKeyData)
    : user.clientKey && readText(user.clientKey, "client-key", who);
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
  const { cluster } = target;
  const info = {
    apiVersion,
    kind: "ExecCredential",
    spec: {
      interactive,
      ...(exec.provideClusterInfo
        ? {
            cluster: {
              server: cluster.server,
              "tls-server-name": cluster.tlsServerName,
              "insecure-skip-tls-verify": cluster.insecureSkipTlsVerify,
              "certificate-authority-data": cluster.certificateAuthorityData,
              "proxy-url": cluster.proxyUrl,
            },
          }
        : {}),
    },
  };
  const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: JSON.stringify(info) };
  for (const { name, value } of exec.env ?? []) env[name] = value;
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
  let config: Promise<import("@kubernetes/client-node").KubeConfig> | undefined;
  return async () => {
    const provider = target.user.authProvider;
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
