import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "./support.ts";

// A workshop on a shared cluster: the admin made namespace `workshop`, labelled it for injection
// and gave the attendee `admin` there and nothing else (the sandbox's third context). The
// attendee can read neither namespaces nor istio-system, and gets GATEWAY_URL from the admin.

const WORKSHOP = ["--context", "bookinfo-sandbox-workshop"];

let env: TestSandbox;
let admin: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 50 });
  admin = kubectlFor(env.kubeconfig);
  for (const args of [
    ["create", "namespace", "workshop"],
    ["label", "namespace", "workshop", "istio-injection=enabled"],
  ]) {
    const result = await admin(...args);
    assert.equal(result.code, 0, result.stderr);
  }
});
after(async () => env.close());

test("an attendee limited to their namespace sees where the tour stands, and what they cannot see", async () => {
  const status = await bookinfo(env.kubeconfig, "status", ...WORKSHOP, "-o", "json");
  assert.equal(status.code, 3, status.stderr);
  const stages = Object.fromEntries(
    (JSON.parse(status.stdout).stages as { id: string; state: string; detail: string }[]).map((s) => [
      s.id,
      s,
    ]),
  );
  assert.equal(stages.inject?.state, "done");
  assert.match(stages.inject?.detail ?? "", /namespace workshop cannot be read with this context/);
  assert.equal(stages.deploy?.state, "pending");
  // The mesh analysis says what it could not look at, rather than reporting nothing.
  const findings = JSON.parse(status.stdout).findings as { code: string; level: string; message: string }[];
  assert.deepEqual(
    findings.map((f) => [f.code, f.level]),
    [["KBI0002", "Info"]],
  );
  assert.match(
    findings[0]!.message,
    /^Not checked, because this context may not read them: Gateways and VirtualServices of other namespaces \(conflicts on the shared ingress gateway\), the ingress gateway's pods and Service \(Gateway selectors and ports\) and the namespace's injection labels\.$/,
  );
});

test("run takes the attendee through all five stages with the admin's GATEWAY_URL; reset undoes it", async () => {
  const gatewayUrl = `127.0.0.1:${env.sandbox.ingress.httpNodePort}`;
  const run = await bookinfo(env.kubeconfig, "run", ...WORKSHOP, "--gateway-url", gatewayUrl);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.doesNotMatch(run.stdout, /labeled|namespace\/workshop/, "the namespace is the admin's to label");
  assert.match(
    run.stdout,
    /gateway: .*\n(.*\n)*\s+done: http:\/\/127\.0\.0\.1:\d+ via flag \(the ingress gateway in istio-system cannot be read/,
  );
  assert.match(run.stdout, /All 5 stages done\./);

  const status = await bookinfo(
    env.kubeconfig,
    "status",
    ...WORKSHOP,
    "--gateway-url",
    gatewayUrl,
    "-o",
    "json",
  );
  assert.equal(status.code, 0, status.stderr);
  const report = JSON.parse(status.stdout);
  assert.equal(report.pods.length, 6);
  assert.ok(report.pods.every((p: { ready: string; sidecar: boolean }) => p.ready === "2/2" && p.sidecar));
  assert.match(
    report.stages[0].detail,
    /^all 6 Bookinfo pods have a sidecar \(namespace workshop cannot be read with this context\)$/,
  );

  const reset = await bookinfo(env.kubeconfig, "reset", ...WORKSHOP);
  assert.equal(reset.code, 0, reset.stdout + reset.stderr);
  assert.match(reset.stdout, /^deployment\.apps\/productpage-v1 deleted$/m);
  const labels = await admin(
    "get",
    "namespace",
    "workshop",
    "-o",
    "jsonpath={.metadata.labels.istio-injection}",
  );
  assert.equal(labels.stdout, "enabled", "the admin's label stays");
});
