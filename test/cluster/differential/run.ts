import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Case, environment, materialise, placeholders } from "./corpus.ts";
import { type Endpoint, openEndpoint } from "./endpoint.ts";
import { type Client, type Facets, generalise } from "./observation.ts";
import type { TestPki } from "./pki.ts";

/** One client's run of one case: its own folder, its own endpoint, the case's files written there. */
export interface Run {
  testCase: Case;
  client: Client;
  dir: string;
  values: Record<string, string>;
  env: Record<string, string>;
  endpoint: Endpoint;
  pki: TestPki;
  /** The PEMs a resolved CA may be, by the name facets report. */
  known: Record<string, string>;
}

/** An API server (the sandbox) the endpoint passes the case's requests on to. */
export interface RealServer {
  url: string;
  caPem: string;
  /** Written to the case's `tokens` file: line N is what the corpus plugin answers on its Nth run. */
  tokens: string[];
}

export async function prepareRun(
  testCase: Case,
  client: Client,
  root: string,
  pki: TestPki,
  forwardTo?: RealServer,
): Promise<Run> {
  const dir = join(root, testCase.name, client);
  mkdirSync(dir, { recursive: true });
  const refused = new Set(testCase.refuse);
  const endpoint = await openEndpoint(pki, {
    refuses: (authorization) => authorization !== undefined && refused.has(authorization),
    ...(forwardTo ? { forwardTo } : {}),
  });
  const values = placeholders(pki, endpoint, dir);
  materialise(testCase, dir, values);
  if (forwardTo) writeFileSync(join(dir, "tokens"), `${forwardTo.tokens.join("\n")}\n`);
  return {
    testCase,
    client,
    dir,
    values,
    env: environment(testCase, dir, values),
    endpoint,
    pki,
    known: { "the endpoint's CA": pki.caPem, "an unrelated CA": pki.otherCaPem },
  };
}

/** Where corpus plugin scripts write one line per run (what they were given). */
export const EXEC_LOG = "exec.log";

/** How often the case's credential plugin ran and what it saw each time. */
export function execFacets(run: Run): Facets {
  const file = join(run.dir, EXEC_LOG);
  if (!existsSync(file)) return {};
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => generalise(canonicalJsonish(line), run.values));
  // A plugin whose token has expired runs again for every request (kubectl even once more per TLS
  // handshake, for a client certificate), and how many requests a command makes is the client's
  // business: kubectl's discovery asks for every API group the server has.
  const requests = run.endpoint.requests.filter((r) => !r.plainHttp).length;
  const runs = lines.length;
  const facets: Facets = {
    "exec runs": runs > 1 && requests > 0 && runs >= requests ? "again for every request" : String(runs),
  };
  if (lines.every((line) => line === lines[0])) facets["every exec run saw"] = lines[0] ?? "";
  else
    lines.forEach((line, index) => {
      facets[`exec run ${index + 1} saw`] = line;
    });
  return facets;
}

/** A plugin's line with any JSON object in it re-serialised with sorted keys, so field order is no difference. */
function canonicalJsonish(line: string): string {
  return line
    .split("|")
    .map((part) => {
      try {
        return JSON.stringify(sortKeys(JSON.parse(part)));
      } catch {
        return part;
      }
    })
    .join("|");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  return value;
}
