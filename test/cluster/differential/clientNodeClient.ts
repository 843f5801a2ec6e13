import { readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { fill } from "./corpus.ts";
import {
  errorCategory,
  type Facets,
  generalise,
  mentionFacets,
  type Observation,
  requestFacets,
  resolutionFacets,
} from "./observation.ts";
import { execFacets, type Run } from "./run.ts";

type ClientNode = typeof import("@kubernetes/client-node");
let loaded: Promise<ClientNode> | undefined;

/**
 * Loads client-node ahead of the cases: its import keeps the process busy for a second or more,
 * and the endpoints that answer kubectl live in this process too.
 */
export function loadClientNode(): Promise<unknown> {
  loaded ??= import("@kubernetes/client-node");
  return loaded;
}

/**
 * client-node's KubeConfig on the case, used as a program would: loadFromDefault (or
 * loadFromFile for --kubeconfig), setCurrentContext for --context, then a pod list through its
 * CoreV1Api. It has no --cluster or --user; such cases are not asked of it.
 */
export async function observeClientNode(run: Run): Promise<Observation | undefined> {
  const { flags } = run.testCase;
  if (flags.cluster !== undefined || flags.user !== undefined) return undefined;
  await loadClientNode();
  const { KubeConfig, CoreV1Api } = (await loaded) as ClientNode;
  const config = new KubeConfig();
  const facets: Facets = {};
  let failure: unknown;
  try {
    withProcessEnv(run, () => {
      // Absolute, as a program resolves its own arguments: client-node makes a file's paths
      // relative to the path it was given, and reads them later from wherever it runs.
      if (flags.kubeconfig) config.loadFromFile(resolve(run.dir, fill(flags.kubeconfig, run.values)));
      else config.loadFromDefault();
      if (flags.context) config.setCurrentContext(fill(flags.context, run.values));
    });
  } catch (error) {
    failure = error;
  }
  const context = failure ? null : config.getContextObject(config.getCurrentContext());
  if (!failure) Object.assign(facets, configFacets(config, run));
  if (!failure) {
    const namespace = fill(flags.namespace ?? "", run.values) || context?.namespace || "default";
    try {
      const api = config.makeApiClient(CoreV1Api);
      await withTimeout(api.listNamespacedPod({ namespace }), 10_000);
    } catch (error) {
      failure = error;
    }
  }
  const said = failure === undefined ? undefined : generalise(describe(failure), run.values);
  Object.assign(
    facets,
    requestFacets(run.endpoint.requests, run.endpoint.connects, run.values),
    execFacets(run),
  );
  facets.outcome = said === undefined ? "ok" : errorCategory(said);
  Object.assign(facets, mentionFacets(run.testCase.mentions, said));
  return { client: "client-node", facets, ...(said === undefined ? {} : { said }) };
}

function configFacets(config: import("@kubernetes/client-node").KubeConfig, run: Run): Facets {
  const context = config.getContextObject(config.getCurrentContext());
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  let caPem: string | undefined;
  if (cluster?.caData) caPem = Buffer.from(cluster.caData, "base64").toString("utf8");
  else if (cluster?.caFile)
    try {
      // client-node reads a relative path against the working directory.
      caPem = readFileSync(
        isAbsolute(cluster.caFile) ? cluster.caFile : join(run.dir, cluster.caFile),
        "utf8",
      );
    } catch {
      caPem = "unreadable";
    }
  const credential: string[] = [];
  if (user?.token) credential.push("token");
  if (user?.username || user?.password) credential.push("basic");
  if (user?.certData || user?.certFile) credential.push("client-certificate");
  if (user?.exec) credential.push("exec");
  if (user?.authProvider) credential.push("auth-provider");
  return resolutionFacets(
    {
      context: config.getCurrentContext() ?? "",
      clusterName: context?.cluster,
      userName: context?.user,
      server: cluster ? generalise(cluster.server, run.values) : "",
      caPem,
      insecure: cluster?.skipTLSVerify,
      tlsServerName: cluster?.tlsServerName,
      proxyUrl: cluster?.proxyUrl ? generalise(cluster.proxyUrl, run.values) : undefined,
      credential,
      impersonation: user?.impersonateUser ? [`as=${user.impersonateUser}`] : [],
    },
    run.known,
  );
}

/**
 * client-node reads KUBECONFIG and HOME from process.env and files relative to the working
 * directory; loading is synchronous, so swapping them for the call affects nothing else.
 */
function withProcessEnv(run: Run, load: () => void): void {
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  const cwd = process.cwd();
  delete process.env.KUBECONFIG;
  if (run.env.KUBECONFIG !== undefined)
    process.env.KUBECONFIG = run.env.KUBECONFIG.split(":")
      .map((entry) => (entry ? resolve(run.dir, entry) : entry))
      .join(":");
  process.env.HOME = run.env.HOME;
  process.chdir(run.dir);
  try {
    load();
  } finally {
    process.chdir(cwd);
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const parts = [error.name === "Error" ? error.message : `${error.name}: ${error.message}`];
  for (let cause = error.cause as Error | undefined; cause; cause = cause.cause as Error | undefined)
    parts.push(String((cause as { code?: string }).code ?? ""), cause.message ?? String(cause));
  const body = (error as { body?: unknown }).body;
  if (typeof body === "string") parts.push(body);
  return parts.filter(Boolean).join(": ");
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
