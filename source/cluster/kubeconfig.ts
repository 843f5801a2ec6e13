import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve, sep } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { load } from "js-yaml";
import { ClusterError, firstLine } from "./errors.ts";

export interface TargetOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

/** Which cluster, as whom, in which namespace: the same answer kubectl gives for the same flags. */
export interface ResolvedTarget {
  kubeConfig: KubeConfig;
  context: string;
  namespace: string;
  /** The API server URL of the context's cluster. */
  server: string;
  /** The kubeconfig file(s) the answer came from, for messages ("a, b"). */
  source: string;
  files: string[];
}

type Env = Record<string, string | undefined>;

/**
 * kubectl's rules: `--kubeconfig` > `$KUBECONFIG` (a merged list, first file's current-context and
 * first definition of each name win) > `~/.kube/config`; `--context` > current-context; `-n` >
 * the context's namespace > `default`. Unlike client-node's loadFromDefault, a missing config is
 * an error here, never a silent fallback to http://localhost:8080.
 */
export function resolveTarget(options: TargetOptions = {}, env: Env = process.env): ResolvedTarget {
  const files = kubeconfigFiles(options, env);
  const source = files.join(", ");
  const kubeConfig = merge(files.map(loadFile));

  const contexts = kubeConfig.getContexts().map((c) => c.name);
  const contextName = options.context || kubeConfig.getCurrentContext();
  if (!contextName) {
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
  const context = kubeConfig.getContextObject(contextName);
  if (!context) {
    const available = contexts.length ? `available: ${contexts.join(", ")}` : "it defines no contexts";
    const subject = options.context
      ? `context "${contextName}" is not in kubeconfig ${source}`
      : `the current context "${contextName}" of kubeconfig ${source} does not exist`;
    throw new ClusterError(`${subject} (${available}); pass one of those with --context`, "context");
  }
  const cluster = kubeConfig.getCluster(context.cluster);
  if (!cluster?.server)
    throw new ClusterError(
      `context "${contextName}" uses cluster "${context.cluster}", which kubeconfig ${source} does not define with a server; fix the kubeconfig or pick another context with --context`,
      "context",
    );
  if (context.user && !kubeConfig.getUser(context.user))
    throw new ClusterError(
      `context "${contextName}" uses user "${context.user}", which kubeconfig ${source} does not define; fix the kubeconfig or pick another context with --context`,
      "context",
    );
  kubeConfig.setCurrentContext(contextName);
  const server = withScheme(cluster.server);
  if (server !== cluster.server)
    kubeConfig.clusters = kubeConfig.clusters.map((c) => (c.name === cluster.name ? { ...c, server } : c));

  return {
    kubeConfig,
    context: contextName,
    namespace: options.namespace || context.namespace || "default",
    server,
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

function loadFile(file: string): KubeConfig {
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
  // kubectl reads an empty file as an empty config; js-yaml 5 refuses empty input.
  if (text.split("\n").every((line) => /^\s*(#.*)?$/.test(line))) return new KubeConfig();
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
  if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed)))
    throw new ClusterError(
      `kubeconfig ${file} is not a kubeconfig (expected a mapping with clusters, users and contexts); fix the file or point --kubeconfig at another one`,
      "kubeconfig",
    );
  const config = new KubeConfig();
  if (parsed === null || parsed === undefined) return config;
  try {
    // Filtering invalid entries is what kubectl effectively does: a broken entry only matters
    // when the chosen context uses it, and that case is reported by name above.
    config.loadFromString(text, { onInvalidEntry: "filter" });
    config.makePathsAbsolute(dirname(file));
  } catch (error) {
    throw new ClusterError(
      `kubeconfig ${file} is invalid: ${firstLine(error instanceof Error ? error.message : String(error))}; fix the file`,
      "kubeconfig",
      { cause: error },
    );
  }
  return config;
}

/** kubectl's merge: the first file to define a name, or a current-context, wins. */
function merge(configs: KubeConfig[]): KubeConfig {
  const [first, ...rest] = configs;
  if (!first) throw new Error("merge needs at least one kubeconfig");
  for (const next of rest) {
    if (!first.getCurrentContext() && next.getCurrentContext())
      first.setCurrentContext(next.getCurrentContext());
    for (const cluster of next.getClusters())
      if (!first.getCluster(cluster.name)) first.clusters.push(cluster);
    for (const user of next.getUsers()) if (!first.getUser(user.name)) first.users.push(user);
    for (const context of next.getContexts())
      if (!first.getContextObject(context.name)) first.contexts.push(context);
  }
  return first;
}

// client-go assumes https for a bare host:port; client-node would build an invalid URL.
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
