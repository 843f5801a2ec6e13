import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loadClientNode, observeClientNode } from "./clientNodeClient.ts";
import { type Case, loadCorpus } from "./corpus.ts";
import { asRow, compare, type Difference, documents, LIVE, readDocumented } from "./differences.ts";
import { observeKubectl } from "./kubectlClient.ts";
import type { Observation } from "./observation.ts";
import { observeOurs } from "./ourClient.ts";
import { makeTestPki, type TestPki } from "./pki.ts";
import { prepareRun } from "./run.ts";

// Every kubeconfig of the corpus through kubectl, our client and client-node, each against its
// own recording endpoint; every disagreement with kubectl or client-node must be in the table of
// docs/kubeconfig-differences.md, and every row there must still be observed.

const DOCUMENT = join(import.meta.dirname, "..", "..", "..", "docs", "kubeconfig-differences.md");
/** kubectl invocations in flight at once: two cores, and kubectl mostly waits on its plugin or the network. */
const CONCURRENCY = 4;

interface Outcome {
  testCase: Case;
  ms: number;
  kubectl: Observation;
  ours: Observation;
  clientNode?: Observation;
}

let pki: TestPki;
let root: string;

before(async () => {
  [pki] = await Promise.all([makeTestPki(), loadClientNode()]);
  root = mkdtempSync(join(tmpdir(), "bookinfo-differential-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

async function observe(testCase: Case): Promise<Outcome> {
  const started = Date.now();
  const runs = await Promise.all(
    (["kubectl", "ours", "client-node"] as const).map((client) => prepareRun(testCase, client, root, pki)),
  );
  const [kubectlRun, ourRun, clientNodeRun] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  try {
    const [kubectl, ours, clientNode] = await Promise.all([
      observeKubectl(kubectlRun),
      observeOurs(ourRun),
      observeClientNode(clientNodeRun),
    ]);
    return { testCase, ms: Date.now() - started, kubectl, ours, ...(clientNode ? { clientNode } : {}) };
  } finally {
    await Promise.all(runs.map((run) => run.endpoint.close()));
  }
}

async function pool<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

test("every kubeconfig of the corpus resolves and authenticates as under kubectl, or the difference is documented", async () => {
  const started = Date.now();
  // DIFFERENTIAL_CASES=name,name runs only those (while working on them); the full run checks everything.
  const named = process.env.DIFFERENTIAL_CASES?.split(",").filter(Boolean) ?? [];
  const only = named.length ? named : undefined;
  const cases = loadCorpus().filter((c) => !only || only.includes(c.name));
  if (only)
    assert.equal(cases.length, only.length, `DIFFERENTIAL_CASES names cases the corpus does not have`);
  if (!only)
    assert.ok(cases.length >= 40, `the corpus has ${cases.length} cases; it should have at least 40`);
  const outcomes = await pool(cases, CONCURRENCY, observe);
  const rows = readDocumented(DOCUMENT);
  const observed: Difference[] = [];
  let identical = 0;
  let clientNodeIdentical = 0;
  let clientNodeCompared = 0;
  for (const outcome of outcomes) {
    const name = outcome.testCase.name;
    const fromKubectl = compare(name, outcome.kubectl, outcome.ours);
    if (fromKubectl.length === 0) identical++;
    observed.push(...fromKubectl);
    if (outcome.clientNode) {
      clientNodeCompared++;
      const fromClientNode = compare(name, outcome.clientNode, outcome.ours);
      if (fromClientNode.length === 0) clientNodeIdentical++;
      observed.push(...fromClientNode);
    }
  }
  const undocumented = observed.filter((d) => !rows.some((row) => documents(row, d)));
  const unexplained = new Set(undocumented.filter((d) => d.reference === "kubectl").map((d) => d.case)).size;
  const documentedCases = cases.length - identical - unexplained;
  // Rows about the run against the sandbox are exec-plugins.test.ts's to check.
  const stale = only
    ? []
    : rows.filter((row) => row.reference !== LIVE && !observed.some((d) => documents(row, d)));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `${cases.length} kubeconfigs, ${identical} identical to kubectl, ${documentedCases} documented differences${unexplained ? `, ${unexplained} UNDOCUMENTED` : ""}\n` +
      `client-node: ${clientNodeCompared} compared, ${clientNodeIdentical} identical, ${clientNodeCompared - clientNodeIdentical} with documented differences (${seconds} s)\n`,
  );
  const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 3);
  process.stdout.write(
    `slowest: ${slowest.map((o) => `${o.testCase.name} ${(o.ms / 1000).toFixed(1)} s`).join(", ")}\n`,
  );
  if (undocumented.length) process.stdout.write(report(undocumented, outcomes));
  assert.equal(
    undocumented.length,
    0,
    `${undocumented.length} differences are not in docs/kubeconfig-differences.md (listed above): fix them, or add the rows with why`,
  );
  assert.deepEqual(
    stale.map((row) => `docs/kubeconfig-differences.md line ${row.line}: ${row.facet} (${row.reference})`),
    [],
    "rows of docs/kubeconfig-differences.md that no case shows any more: remove them",
  );
});

/** The undocumented differences case by case, with what each client said, and rows to paste. */
function report(differences: Difference[], outcomes: Outcome[]): string {
  const lines: string[] = [];
  for (const name of new Set(differences.map((d) => d.case))) {
    const outcome = outcomes.find((o) => o.testCase.name === name);
    lines.push(`\n${name}: ${outcome?.testCase.about ?? ""}`);
    for (const d of differences.filter((x) => x.case === name))
      lines.push(`  ${d.facet} (${d.reference}): they ${d.theirs}, we ${d.ours}`);
    for (const o of [outcome?.kubectl, outcome?.ours, outcome?.clientNode])
      if (o?.said !== undefined) lines.push(`  ${o.client} said: ${o.said.split("\n")[0]}`);
    for (const d of differences.filter((x) => x.case === name)) lines.push(`  ${asRow(d)}`);
  }
  return `${lines.join("\n")}\n`;
}
