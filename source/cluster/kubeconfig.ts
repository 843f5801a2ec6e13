import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve, sep } from "node:path";
import { load } from "js-yaml";
import { ClusterError, firstLine } from "./errors.ts";
import { checkUsable } from "./usable.ts";

export interface TargetOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  /** kubectl's --cluster and --user: another cluster or user of the kubeconfig than the context's. */
  cluster?: string;
  user?: string;
}

/** A kubeconfig `clusters[].cluster`, file paths made absolute against the file that named them. */
export interface ClusterEntry {
  server: string;
  certificateAuthority?: string;
  /** base64 PEM, as in the file. */
  certificateAuthorityData?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** The `client.authentication.k8s.io/exec` extension: what a plugin given the cluster's info sees as `config`. */
  execExtension?: unknown;
}

/** The cluster extension client-go hands a credential plugin along with the cluster's info. */
export const EXEC_EXTENSION = "client.authentication.k8s.io/exec";

/** A kubeconfig `users[].user.exec`: a credential plugin (client.authentication.k8s.io). */
export interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
  installHint?: string;
  provideClusterInfo?: boolean;
  /** Never, IfAvailable (the default) or Always: whether it may ask the person something. */
  interactiveMode?: string;
}

/** A kubeconfig `users[].user`, file paths made absolute against the file that named them. */
export interface UserEntry {
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  clientCertificate?: string;
  clientCertificateData?: string;
  clientKey?: string;
  clientKeyData?: string;
  exec?: ExecConfig;
  authProvider?: { name: string; config?: Record<string, string> };
  /** `as`, `as-uid`, `as-groups` and `as-user-extra`: impersonation. */
  impersonateUser?: string;
  impersonateUid?: string;
  impersonateGroups?: string[];
  impersonateExtra?: Record<string, string[]>;
}

/** Which cluster, as whom, in which namespace: the same answer kubectl gives for the same flags. */
export interface ResolvedTarget {
  context: string;
  namespace: string;
  /** The API server URL of the context's cluster. */
  server: string;
  clusterName: string;
  cluster: ClusterEntry;
  userName: string;
  /** Empty when the context names no user: anonymous requests. */
  user: UserEntry;
  /** The kubeconfig file(s) the answer came from, for messages ("a, b"). */
  source: string;
  files: string[];
}

type Env = Record<string, string | undefined>;

interface Named<T> {
  name: string;
  value: T;
}

interface ContextEntry {
  cluster: string;
  user?: string;
  namespace?: string;
}

/** One file's definitions, or several merged the way kubectl merges them. */
interface Kubeconfig {
  currentContext?: string;
  clusters: Named<ClusterEntry>[];
  users: Named<UserEntry>[];
  contexts: Named<ContextEntry>[];
}

/**
 * kubectl's rules: `--kubeconfig` > `$KUBECONFIG` (a merged list, first file's current-context and
 * first definition of each name win) > `~/.kube/config`; `--context` > current-context;
 * `--cluster` and `--user` > the context's; `-n` > the context's namespace > `default`; then
 * kubectl's checks of the chosen cluster and user (usable.ts). A missing config is an error,
 * never a silent fallback to http://localhost:8080. Read with our own small parser rather than
 * client-node's KubeConfig, whose import alone costs `status` about a third of its run time.
 */
export function resolveTarget(options: TargetOptions = {}, env: Env = process.env): ResolvedTarget {
  const files = kubeconfigFiles(options, env);
  const source = files.join(", ");
  const config = merge(files.map(loadFile));

  const contexts = config.contexts.map((c) => c.name);
  const contextName = options.context || config.currentContext || "";
  // kubectl needs no context when --cluster says where to go.
  if (!contextName && !options.cluster) {
    if (contexts.length === 0)
      throw new ClusterError(
        `kubeconfig ${source} defines no contexts; point --kubeconfig at a config for your cluster, or try --sandbox`,
        "context",
      );
    throw new ClusterError(
      `kubeconfig ${source} has no current context; pass --context (one of: ${contexts.join(", ")}) or run kubectl config use-context NAME`,
      "context",
    );
  }
  const context = contextName ? find(config.contexts, contextName) : undefined;
  if (contextName && !context) {
    const available = contexts.length ? `available: ${contexts.join(", ")}` : "it defines no contexts";
    const subject = options.context
      ? `context "${contextName}" is not in kubeconfig ${source}`
      : `the current context "${contextName}" of kubeconfig ${source} does not exist`;
    throw new ClusterError(`${subject} (${available}); pass one of those with --context`, "context");
  }
  const clusterName = options.cluster || context?.cluster || "";
  const cluster = find(config.clusters, clusterName);
  if (!cluster?.server)
    throw new ClusterError(
      options.cluster
        ? `--cluster "${clusterName}" is not a cluster with a server in kubeconfig ${source}; pass one of: ${config.clusters.map((c) => c.name).join(", ") || "(none defined)"}`
        : `context "${contextName}" uses cluster "${clusterName}", which kubeconfig ${source} does not define with a server; fix the kubeconfig or pick another context with --context`,
      "context",
    );
  const userName = options.user || context?.user || "";
  const user = userName ? find(config.users, userName) : {};
  if (!user)
    throw new ClusterError(
      options.user
        ? `--user "${userName}" is not a user of kubeconfig ${source}; pass one of: ${config.users.map((u) => u.name).join(", ") || "(none defined)"}`
        : `context "${contextName}" uses user "${userName}", which kubeconfig ${source} does not define; fix the kubeconfig or pick another context with --context`,
      "context",
    );
  checkUsable({ clusterName, cluster, userName, user, source });
  const server = withScheme(cluster.server);
  return {
    context: contextName,
    namespace: options.namespace || context?.namespace || "default",
    server,
    clusterName,
    cluster: { ...cluster, server },
    userName,
    user,
    source,
    files,
  };
}

function kubeconfigFiles(options: TargetOptions, env: Env): string[] {
  if (options.kubeconfig) {
    const file = resolve(options.kubeconfig);
    if (!existsSync(file))
      throw new ClusterError(
        `the kubeconfig file ${options.kubeconfig} does not exist; check the --kubeconfig path`,
        "kubeconfig",
      );
    return [file];
  }
  const home = env.HOME || env.USERPROFILE || homedir();
  const fromEnv = (env.KUBECONFIG ?? "").split(delimiter).filter((f) => f.length > 0);
  // kubectl skips list entries that do not exist, so only an all-missing list is an error.
  const candidates =
    fromEnv.length > 0 ? unique(fromEnv.map((f) => resolve(f))) : [join(home, ".kube", "config")];
  const found = candidates.filter(isFile);
  if (found.length === 0) {
    const looked = candidates.map((f) => tildify(f, home)).join(", ");
    const from = fromEnv.length > 0 ? " from KUBECONFIG" : "";
    throw new ClusterError(
      `no kubeconfig found (looked at ${looked}${from}); pass --kubeconfig, set KUBECONFIG, or try --sandbox`,
      "kubeconfig",
    );
  }
  return found;
}

function loadFile(file: string): Kubeconfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    throw new ClusterError(
      `cannot read kubeconfig ${file} (${code || firstLine(String(error))}); check the file's permissions`,
      "kubeconfig",
      { cause: error },
    );
  }
  const empty: Kubeconfig = { clusters: [], users: [], contexts: [] };
  // kubectl reads an empty file as an empty config; js-yaml 5 refuses empty input.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line))) return empty;
  let parsed: unknown;
  try {
    parsed = load(text, { filename: file });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const reason = (error as { reason?: string }).reason ?? firstLine(String(error));
    const at = typeof mark?.line === "number" ? ` at line ${mark.line + 1}` : "";
    throw new ClusterError(
      `kubeconfig ${file} is not valid YAML${at}: ${reason}; fix the file or point --kubeconfig at another one`,
      "kubeconfig",
      { cause: error },
    );
  }
  if (parsed === null || parsed === undefined) return empty;
  if (!isRecord(parsed))
    throw new ClusterError(
      `kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users and contexts); fix the file or point --kubeconfig at another one`,
      "kubeconfig",
    );
  // Entries without a name or a body are skipped, as kubectl effectively does: a broken entry
  // matters only when the chosen context uses it, and that case is reported by name.
  const base = dirname(file);
  return {
    currentContext: scalar(parsed["current-context"]),
    clusters: entries(parsed.clusters, "cluster", (c) => clusterEntry(c, base)),
    users: entries(parsed.users, "user", (u) => userEntry(u, base)),
    contexts: entries(parsed.contexts, "context", (c) =>
      scalar(c.cluster) === undefined
        ? undefined
        : { cluster: scalar(c.cluster) ?? "", user: scalar(c.user), namespace: scalar(c.namespace) },
    ),
  };
}

function clusterEntry(c: Record<string, unknown>, base: string): ClusterEntry | undefined {
  const server = scalar(c.server);
  if (server === undefined) return undefined;
  return {
    server,
    certificateAuthority: path(c["certificate-authority"], base),
    certificateAuthorityData: scalar(c["certificate-authority-data"]),
    insecureSkipTlsVerify: c["insecure-skip-tls-verify"] === true,
    tlsServerName: scalar(c["tls-server-name"]),
    proxyUrl: scalar(c["proxy-url"]),
    execExtension: Array.isArray(c.extensions)
      ? c.extensions.find((e) => isRecord(e) && e.name === EXEC_EXTENSION)?.extension
      : undefined,
  };
}

function userEntry(u: Record<string, unknown>, base: string): UserEntry {
  // Kept even when incomplete, so the check of the chosen user can say what is missing.
  const exec = isRecord(u.exec) ? u.exec : undefined;
  const provider = isRecord(u["auth-provider"]) ? u["auth-provider"] : undefined;
  const command = scalar(exec?.command) ?? "";
  const apiVersion = scalar(exec?.apiVersion);
  return {
    token: scalar(u.token),
    tokenFile: path(u.tokenFile, base),
    username: scalar(u.username),
    password: scalar(u.password),
    clientCertificate: path(u["client-certificate"], base),
    clientCertificateData: scalar(u["client-certificate-data"]),
    clientKey: path(u["client-key"], base),
    clientKeyData: scalar(u["client-key-data"]),
    exec: exec && {
      // client-go resolves a command with a path separator against the kubeconfig's folder;
      // a bare name is looked up on PATH.
      command: command.includes("/") || command.includes(sep) ? resolve(base, command) : command,
      args: Array.isArray(exec.args) ? exec.args.map(String) : undefined,
      env: Array.isArray(exec.env)
        ? exec.env.filter(isRecord).map((e) => ({ name: scalar(e.name) ?? "", value: scalar(e.value) ?? "" }))
        : undefined,
      apiVersion,
      installHint: scalar(exec.installHint),
      provideClusterInfo: exec.provideClusterInfo === true,
      // The older apiVersions default it; v1 must say it.
      interactiveMode:
        scalar(exec.interactiveMode) ||
        (apiVersion && BETA_EXEC_VERSIONS.has(apiVersion) ? "IfAvailable" : undefined),
    },
    authProvider:
      provider && scalar(provider.name)
        ? {
            name: scalar(provider.name) ?? "",
            config: isRecord(provider.config)
              ? Object.fromEntries(Object.entries(provider.config).map(([k, v]) => [k, String(v)]))
              : undefined,
          }
        : undefined,
    impersonateUser: scalar(u.as),
    impersonateUid: scalar(u["as-uid"]),
    impersonateGroups: Array.isArray(u["as-groups"]) ? u["as-groups"].map(String) : undefined,
    impersonateExtra: isRecord(u["as-user-extra"])
      ? Object.fromEntries(
          Object.entries(u["as-user-extra"]).map(([key, values]) => [
            key,
            (Array.isArray(values) ? values : [values]).map(String),
          ]),
        )
      : undefined,
  };
}

const BETA_EXEC_VERSIONS = new Set([
  "client.authentication.k8s.io/v1beta1",
  "client.authentication.k8s.io/v1alpha1",
]);

function entries<T>(
  list: unknown,
  key: string,
  read: (body: Record<string, unknown>) => T | undefined,
): Named<T>[] {
  if (!Array.isArray(list)) return [];
  const out: Named<T>[] = [];
  for (const item of list) {
    if (!isRecord(item) || typeof item.name !== "string" || !isRecord(item[key])) continue;
    const value = read(item[key] as Record<string, unknown>);
    if (value !== undefined) out.push({ name: item.name, value });
  }
  return out;
}

/** kubectl's merge: the first file to define a name, or a current-context, wins. */
function merge(configs: Kubeconfig[]): Kubeconfig {
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] };
  for (const next of configs) {
    merged.currentContext ||= next.currentContext;
    for (const kind of ["clusters", "users", "contexts"] as const) {
      const into = merged[kind] as Named<unknown>[];
      for (const entry of next[kind]) if (!into.some((e) => e.name === entry.name)) into.push(entry);
    }
  }
  return merged;
}

const find = <T>(list: Named<T>[], name: string): T | undefined => list.find((e) => e.name === name)?.value;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A scalar as kubectl reads it: strings as they are, numbers and booleans as their text. */
const scalar = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : undefined;

const path = (value: unknown, base: string): string | undefined => {
  const file = scalar(value);
  return file ? (isAbsolute(file) ? file : resolve(base, file)) : undefined;
};

// client-go assumes https for a bare host:port.
const withScheme = (server: string) =>
  /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

const unique = <T>(items: T[]): T[] => [...new Set(items)];

const tildify = (file: string, home: string) =>
  file.startsWith(home + sep) ? `~${file.slice(home.length)}` : file;
