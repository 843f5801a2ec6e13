import { readFileSync } from "node:fs";
import { type Cluster, connect } from "../../../source/cluster/connect.ts";
import { type ResolvedTarget, resolveTarget, type UserEntry } from "../../../source/cluster/kubeconfig.ts";
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

/**
 * Our client on the case, as `status` uses it: resolveTarget, connect, then the requests kubectl
 * sends for `get pods` (so plugin runs compare), with the plugin silent as in the tour (kubectl's
 * stdin here is no terminal either).
 */
export async function observeOurs(run: Run): Promise<Observation> {
  const flags = Object.fromEntries(
    Object.entries(run.testCase.flags).map(([key, value]) => [key, fill(value, run.values)]),
  );
  let target: ResolvedTarget | undefined;
  let cluster: Cluster | undefined;
  const facets: Facets = {};
  let failure: unknown;
  // Relative --kubeconfig and KUBECONFIG entries are relative to where the command runs.
  const cwd = process.cwd();
  process.chdir(run.dir);
  try {
    target = resolveTarget(flags, run.env);
    cluster = connect(target, run.env, { pluginsMayPrompt: false });
  } catch (error) {
    failure = error;
  } finally {
    process.chdir(cwd);
  }
  // Compared only where kubectl's `config view` can say the same (it ignores --cluster and --user).
  const { cluster: clusterFlag, user: userFlag } = run.testCase.flags;
  if (target && clusterFlag === undefined && userFlag === undefined)
    Object.assign(facets, targetFacets(target, run));
  if (cluster && target) {
    try {
      for (const path of ["/version", "/api", "/apis", "/api/v1"])
        await cluster.request("GET", path, { timeoutMs: 10_000 });
      await cluster.request("GET", `/api/v1/namespaces/${target.namespace}/pods`, { timeoutMs: 10_000 });
    } catch (error) {
      failure = cluster.explain(error, { verb: "list", resource: "pods", namespace: target.namespace });
    } finally {
      await cluster.close();
    }
  }
  const said = failure === undefined ? undefined : generalise(messageOf(failure), run.values);
  Object.assign(
    facets,
    requestFacets(run.endpoint.requests, run.endpoint.connects, run.values),
    execFacets(run),
  );
  facets.outcome = said === undefined ? "ok" : errorCategory(said);
  Object.assign(facets, mentionFacets(run.testCase.mentions, said));
  return { client: "ours", facets, ...(said === undefined ? {} : { said }) };
}

function targetFacets(target: ResolvedTarget, run: Run): Facets {
  const { cluster, user } = target;
  let caPem: string | undefined;
  if (cluster.certificateAuthorityData)
    caPem = Buffer.from(cluster.certificateAuthorityData, "base64").toString("utf8");
  else if (cluster.certificateAuthority)
    try {
      caPem = readFileSync(cluster.certificateAuthority, "utf8");
    } catch {
      caPem = "unreadable";
    }
  return resolutionFacets(
    {
      context: target.context,
      clusterName: target.clusterName,
      userName: target.userName,
      server: generalise(target.server, run.values),
      caPem,
      insecure: cluster.insecureSkipTlsVerify,
      tlsServerName: cluster.tlsServerName,
      proxyUrl: cluster.proxyUrl === undefined ? undefined : generalise(cluster.proxyUrl, run.values),
      credential: credentialKindsOf(user),
      impersonation: impersonationWords(user),
    },
    run.known,
  );
}

function credentialKindsOf(user: UserEntry): string[] {
  const kinds: string[] = [];
  if (user.token) kinds.push("token");
  if (user.tokenFile) kinds.push("tokenFile");
  if (user.username || user.password) kinds.push("basic");
  if (user.clientCertificate || user.clientCertificateData) kinds.push("client-certificate");
  if (user.exec) kinds.push("exec");
  if (user.authProvider) kinds.push("auth-provider");
  return kinds;
}

function impersonationWords(user: UserEntry): string[] {
  const words: string[] = [];
  if (user.impersonateUser) words.push(`as=${user.impersonateUser}`);
  if (user.impersonateUid) words.push(`as-uid=${user.impersonateUid}`);
  if (user.impersonateGroups?.length) words.push(`as-groups=${user.impersonateGroups.join(",")}`);
  for (const [key, values] of Object.entries(user.impersonateExtra ?? {}).sort())
    words.push(`as-user-extra.${key}=${values.join(",")}`);
  return words;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
