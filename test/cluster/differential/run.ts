import { existsSync, mkdirSync, readFileSync } from "node:fs";
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

export async function prepareRun(testCase: Case, client: Client, root: string, pki: TestPki): Promise<Run> {
  const dir = join(root, testCase.name, client);
  mkdirSync(dir, { recursive: true });
  const refused = new Set(testCase.refuse);
  const endpoint = await openEndpoint(pki, {
    refuses: (authorization) => authorization !== undefined && refused.has(authorization),
  });
  const values = placeholders(pki, endpoint, dir);
  materialise(testCase, dir, values);
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
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  const facets: Facets = { "exec runs": String(lines.length) };
  lines.forEach((line, index) => {
    facets[`exec run ${index + 1} saw`] = generalise(canonicalJsonish(line), run.values);
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
