import { execFile } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { kubectlFlags } from "./corpus.ts";
import {
  credentialKinds,
  errorCategory,
  type Facets,
  generalise,
  impersonationOf,
  mentionFacets,
  type Observation,
  requestFacets,
  resolutionFacets,
} from "./observation.ts";
import { execFacets, type Run } from "./run.ts";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * kubectl itself. Google Cloud SDK installs a "dispatcher" as kubectl, which first sends its own
 * GET /version (running the credential plugin for it) and then runs a kubectl matching the
 * server; the versioned binary next to it is plain kubectl, as everyone else has it.
 */
export const KUBECTL = (() => {
  for (const folder of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(folder, "kubectl");
    if (!existsSync(candidate)) continue;
    const versioned = join(dirname(realpathSync(candidate)), "kubectl.1.32");
    return existsSync(versioned) ? versioned : candidate;
  }
  return "kubectl";
})();

// Standard input is closed, as in a script: kubectl asks for a username there when the user has
// no credentials at all, and would otherwise wait for one.
const kubectl = (run: Run, args: string[]) =>
  new Promise<Ran>((resolve) => {
    const child = execFile(
      KUBECTL,
      args,
      { cwd: run.dir, env: run.env, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end();
  });

type Named<T> = { name: string } & T;

interface ConfigView {
  "current-context"?: string;
  contexts?: Named<{ context: { cluster?: string; user?: string; namespace?: string } }>[];
  clusters?: Named<{ cluster: Record<string, unknown> }>[];
  users?: Named<{ user: Record<string, unknown> }>[];
}

/**
 * kubectl on the case: what `config view --minify --raw --flatten` says it resolved, and what
 * `get pods` then sent (with a cache dir of its own, so nothing is remembered between runs).
 */
export async function observeKubectl(run: Run): Promise<Observation> {
  const flags = kubectlFlags(run.testCase.flags, run.values);
  const view = await kubectl(run, [
    "config",
    "view",
    "--minify",
    "--raw",
    "--flatten",
    "-o",
    "json",
    ...flags,
  ]);
  const get = await kubectl(run, [
    "get",
    "pods",
    "-o",
    "json",
    "--request-timeout=10s",
    `--cache-dir=${join(run.dir, ".kubectl-cache")}`,
    ...flags,
  ]);
  // `config view` shows the context's cluster and user whatever --cluster and --user say; the
  // request shows what they changed.
  const { cluster, user } = run.testCase.flags;
  const viewSaysIt = view.code === 0 && cluster === undefined && user === undefined;
  const facets: Facets = {
    ...(viewSaysIt ? viewFacets(JSON.parse(view.stdout) as ConfigView, run) : {}),
    ...requestFacets(run.endpoint.requests, run.endpoint.connects, run.values),
    ...execFacets(run),
    outcome: get.code === 0 ? "ok" : errorCategory(failure(get)),
    ...mentionFacets(run.testCase.mentions, get.code === 0 ? undefined : get.stderr),
  };
  return {
    client: "kubectl",
    facets,
    ...(get.code === 0 ? {} : { said: generalise(failure(get), run.values) }),
  };
}

function viewFacets(view: ConfigView, run: Run): Facets {
  const context = view.contexts?.[0];
  const cluster = view.clusters?.[0];
  const user = view.users?.find((u) => u.name === context?.context.user)?.user;
  const data = cluster?.cluster["certificate-authority-data"];
  return resolutionFacets(
    {
      context: view["current-context"] ?? "",
      clusterName: context?.context.cluster,
      userName: context?.context.user,
      server:
        typeof cluster?.cluster.server === "string" ? generalise(cluster.cluster.server, run.values) : "",
      caPem: typeof data === "string" ? Buffer.from(data, "base64").toString("utf8") : undefined,
      insecure: cluster?.cluster["insecure-skip-tls-verify"] === true,
      tlsServerName: cluster?.cluster["tls-server-name"] as string | undefined,
      proxyUrl: proxyOf(cluster?.cluster["proxy-url"], run),
      credential: credentialKinds(user),
      impersonation: impersonationOf(user),
    },
    run.known,
  );
}

const proxyOf = (value: unknown, run: Run) =>
  typeof value === "string" ? generalise(value, run.values) : undefined;

/** Why kubectl failed: its basic-auth prompt (on stdout) if it gave one, else its last error line. */
const failure = (ran: Ran) =>
  ran.stdout.startsWith("Please enter Username:")
    ? `Please enter Username: (then ${lastError(ran.stderr).trim()})`
    : lastError(ran.stderr);

/** kubectl's last words: klog lines first repeat the error; the final `error:` line says it once. */
function lastError(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim());
  const final = lines.findLast((l) =>
    /^(error|Error from server|Unable to connect|The connection to the server)/.test(l),
  );
  return final ?? stderr;
}
