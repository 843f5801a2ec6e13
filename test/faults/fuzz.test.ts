import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  api,
  caOf,
  type Kubectl,
  kubectlFor,
  openSandbox,
  type TestSandbox,
} from "@kubectl-bookinfo/sandbox/testing";
import { fuzzCases, generatedCases } from "./fuzzCases.ts";
import { type ApiEndpoint, acceptable, podsEverywhere, prepareFuzzTarget, sendCase } from "./fuzzRunner.ts";

// Every hand-made malformed request, and some generated ones, against one sandbox: each gets a
// 4xx the API server could give, none a 5xx or nothing, and afterwards the sandbox serves as
// before with the same pods. The long generated run is `npm run bench:faults`.

let env: TestSandbox;
let kubectl: Kubectl;
let endpoint: ApiEndpoint;

before(async () => {
  env = await openSandbox({ speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
  endpoint = { server: env.sandbox.server, token: env.sandbox.adminToken, ca: caOf(env.sandbox) };
  await prepareFuzzTarget(kubectl);
});
after(async () => env.close());

test("at least 191 malformed requests in seven groups, each refused as an API server would refuse it", async () => {
  const cases = fuzzCases();
  assert.ok(cases.length >= 191, `${cases.length} cases`);
  const groups = new Set(cases.map((c) => c.group));
  assert.equal(groups.size, 7);
  const pods = await podsEverywhere(kubectl);
  const wrong: string[] = [];
  for (const fuzz of cases) {
    const outcome = await sendCase(endpoint, fuzz);
    if (!acceptable(fuzz, outcome))
      wrong.push(`${fuzz.group} / ${fuzz.name}: ${outcome.status} (${outcome.message.slice(0, 160)})`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(await podsEverywhere(kubectl), pods, "kubectl get pods -A is unchanged");
  const ns = await api(env.sandbox, "GET", "/api/v1/namespaces/fuzz");
  assert.equal(ns.status, 200);
});

test("generated requests never get a 5xx or no answer", async () => {
  const pods = await podsEverywhere(kubectl);
  const wrong: string[] = [];
  for (const fuzz of generatedCases(150)) {
    const outcome = await sendCase(endpoint, fuzz);
    if (!acceptable(fuzz, outcome))
      wrong.push(`${fuzz.name}: ${outcome.status} (${outcome.message.slice(0, 160)})`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(await podsEverywhere(kubectl), pods);
});
