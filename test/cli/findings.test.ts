import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo } from "./support.ts";

// The mistakes people make with the tutorial, made with the real kubectl on the sandbox, and what
// `analyze`, `status -o json` and `run` say about them, in istioctl analyze's codes. Each group
// has a sandbox of its own: the ingress gateway is shared, and one namespace's Gateway changes
// whose pages every other namespace's samples get.

const manifest = (name: string) => new URL(`../../manifests/${name}`, import.meta.url).pathname;

interface Finding {
  code: string;
  level: string;
  origin: string;
  message: string;
  summary: string;
  objects: { kind: string; namespace?: string; name: string }[];
}

async function open(): Promise<{
  env: TestSandbox;
  kubectl: Kubectl;
  ok: (...args: string[]) => Promise<string>;
}> {
  const env = await openSandbox({ speed: 50 });
  const kubectl = kubectlFor(env.kubeconfig);
  const ok = async (...args: string[]) => {
    const result = await kubectl(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  };
  return { env, kubectl, ok };
}

/** A copy of one of our manifests with `edit` applied, in the sandbox's directory. */
function edited(env: TestSandbox, file: string, edit: (text: string) => string): string {
  const path = join(env.dir, `edited-${file}`);
  const text = readFileSync(manifest(file), "utf8");
  const changed = edit(text);
  assert.notEqual(changed, text, `the edit of ${file} changed nothing`);
  writeFileSync(path, changed);
  return path;
}

async function deployed(ok: (...args: string[]) => Promise<string>, ns: string, label = true): Promise<void> {
  await ok("create", "namespace", ns);
  if (label) await ok("label", "namespace", ns, "istio-injection=enabled");
  await ok("-n", ns, "apply", "-f", manifest("bookinfo.yaml"));
  await ok("-n", ns, "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s");
}

async function analyzed(env: TestSandbox, ns: string) {
  const text = await bookinfo(env.kubeconfig, "analyze", "-n", ns);
  const json = await bookinfo(env.kubeconfig, "analyze", "-n", ns, "-o", "json");
  return { text, findings: JSON.parse(json.stdout) as Finding[], jsonCode: json.code };
}

async function status(env: TestSandbox, ns: string) {
  const result = await bookinfo(env.kubeconfig, "status", "-n", ns, "-o", "json");
  const report = JSON.parse(result.stdout) as {
    stages: { id: string; state: string; detail: string }[];
    findings: Finding[];
  };
  return { ...report, stage: (id: string) => report.stages.find((s) => s.id === id)! };
}

const codes = (findings: Finding[]) => [...new Set(findings.map((f) => f.code))];

// The groups wait mostly (a failure must outlast run's 20 s grace period), so they run side by side.
describe("mesh findings on the sandbox", { concurrency: true }, () => {
  describe("two Bookinfos claiming host * on the shared ingress gateway", { concurrency: 1 }, () => {
    let s: Awaited<ReturnType<typeof open>>;
    before(async () => {
      s = await open();
      const first = await bookinfo(s.env.kubeconfig, "run", "-n", "first");
      assert.equal(first.code, 0, first.stdout + first.stderr);
    });
    after(async () => s.env.close());

    test("analyze, status and run name IST0145 and whose Bookinfo answers", async () => {
      // Istio orders competing routes by creation time, to the second: ctrlc's must be younger.
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await s.ok("create", "namespace", "ctrlc");
      await s.ok("-n", "ctrlc", "apply", "-f", manifest("bookinfo-gateway.yaml"));

      const { text, findings, jsonCode } = await analyzed(s.env, "ctrlc");
      assert.equal(text.code, 1, "an error was found");
      assert.match(
        text.stdout,
        /^Error \[IST0145\] \(Gateway ctrlc\/bookinfo-gateway\) Conflict with gateways first\/bookinfo-gateway \(workload selector istio=ingressgateway, port 8080, hosts \*\)\.$/m,
      );
      // Bookinfo is not deployed in ctrlc yet: its route names a Service that is not there.
      assert.match(
        text.stdout,
        /^Error \[IST0101\] \(VirtualService ctrlc\/bookinfo\) Referenced host not found: "productpage"$/m,
      );
      assert.match(text.stderr, /^Found 2 errors(, | and )[^\n]*in namespace ctrlc/m);
      assert.equal(jsonCode, 1);
      const conflict = findings.find((f) => f.code === "IST0145")!;
      assert.equal(
        conflict.summary,
        "Gateway ctrlc/bookinfo-gateway conflicts with first/bookinfo-gateway on host * port 8080; traffic reaches first's Bookinfo",
      );
      assert.deepEqual(conflict.objects.slice(0, 2), [
        { kind: "Gateway", namespace: "ctrlc", name: "bookinfo-gateway" },
        { kind: "Gateway", namespace: "first", name: "bookinfo-gateway" },
      ]);

      // The first namespace sees the same conflict from its side.
      const theirs = await analyzed(s.env, "first");
      assert.match(
        theirs.text.stdout,
        /^Error \[IST0145\] \(Gateway first\/bookinfo-gateway\) Conflict with gateways ctrlc\/bookinfo-gateway /m,
      );

      const report = await status(s.env, "ctrlc");
      assert.deepEqual(codes(report.findings).sort(), ["IST0101", "IST0145", "KBI0001", "IST0102"].sort());
      assert.equal(report.stage("verify").state, "failed");
      assert.match(
        report.stage("verify").detail,
        /^200 OK from another namespace's Bookinfo: reviews pod reviews-v\d-\S+ is not in namespace ctrlc/,
      );

      const run = await bookinfo(s.env.kubeconfig, "run", "-n", "ctrlc");
      assert.equal(run.code, 1, run.stdout);
      const failed = run.stdout.slice(run.stdout.indexOf("[4/5] verify"));
      assert.match(
        failed,
        /FAILED: 200 OK from another namespace's Bookinfo: reviews pod reviews-v\d-\S+ is not in namespace ctrlc/,
      );
      assert.match(
        failed,
        /^ {6}IST0145: Gateway ctrlc\/bookinfo-gateway conflicts with first\/bookinfo-gateway on host \* port 8080; traffic reaches first's Bookinfo; /m,
      );
      assert.match(failed, /^ {6}KBI0001: GATEWAY_URL answers with first's Bookinfo, not namespace ctrlc's/m);
      assert.doesNotMatch(run.stdout, /\[5\/5\]/, "the run stops at the stage that failed");
    });
  });

  describe("routes and Gateways that name what is not there", { concurrency: 1 }, () => {
    let s: Awaited<ReturnType<typeof open>>;
    before(async () => {
      s = await open();
    });
    after(async () => s.env.close());

    test("a VirtualService with subsets before its DestinationRule: IST0101 host+subset", async () => {
      await deployed(s.ok, "early");
      await s.ok("-n", "early", "apply", "-f", manifest("virtual-service-all-v1.yaml"));
      const { text, findings } = await analyzed(s.env, "early");
      assert.equal(text.code, 1);
      for (const service of ["details", "productpage", "ratings", "reviews"]) {
        assert.match(
          text.stdout,
          new RegExp(
            `^Error \\[IST0101\\] \\(VirtualService early/${service}\\) Referenced host\\+subset in destinationrule not found: "${service}\\+v1"$`,
            "m",
          ),
        );
      }
      assert.match(
        text.stdout,
        /^ {4}fix: .*kubectl -n early apply -f samples\/bookinfo\/networking\/destination-rule-all\.yaml$/m,
      );
      assert.deepEqual(codes(findings), ["IST0101"]);
      const report = await status(s.env, "early");
      assert.equal(report.stage("route-v1").state, "failed");
      assert.deepEqual(codes(report.findings), ["IST0101"]);
      // status as text lists them as analyze does, between the stages and the pods.
      const printed = await bookinfo(s.env.kubeconfig, "status", "-n", "early", "--samples", "0");
      assert.match(
        printed.stdout,
        /^route-v1 +failed +[^\n]+\n(?:traffic-management +not begun +[^\n]+\n)?\nError \[IST0101\] \(VirtualService early\/details\) Referenced host\+subset in destinationrule not found: "details\+v1"\n {4}fix: /m,
      );
    });

    test("run -o json stops at a route to a subset no DestinationRule will define, and names it", async () => {
      await deployed(s.ok, "canary");
      const canary = join(s.env.dir, "reviews-canary.yaml");
      writeFileSync(
        canary,
        [
          "apiVersion: networking.istio.io/v1",
          "kind: VirtualService",
          "metadata:",
          "  name: reviews-canary",
          "spec:",
          "  hosts: [reviews]",
          "  http:",
          "    - route:",
          "        - destination: {host: reviews, subset: v4}",
          "",
        ].join("\n"),
      );
      await s.ok("-n", "canary", "apply", "-f", canary);
      const run = await bookinfo(s.env.kubeconfig, "run", "-n", "canary", "-o", "json");
      assert.equal(run.code, 1, run.stdout);
      const result = JSON.parse(run.stdout) as {
        ok: boolean;
        stages: { id: string; state: string; detail: string; findings?: Finding[] }[];
      };
      const routeV1 = result.stages.find((stage) => stage.id === "route-v1")!;
      assert.equal(routeV1.state, "failed");
      assert.match(
        routeV1.detail,
        /^VirtualService reviews-canary routes to subset v4 but DestinationRule reviews does not define it/,
      );
      const explained = routeV1.findings ?? [];
      assert.deepEqual(codes(explained).sort(), ["IST0101", "IST0109"]);
      assert.equal(
        explained.find((f) => f.code === "IST0101")?.message,
        'Referenced host+subset in destinationrule not found: "reviews+v4"',
      );
      assert.equal(
        explained.find((f) => f.code === "IST0109" && f.origin === "VirtualService canary/reviews-canary")
          ?.summary,
        "VirtualServices canary/reviews, canary/reviews-canary all route reviews.canary.svc.cluster.local for the sidecars; only one of them takes effect",
      );
      // Stages that did not fail carry none.
      assert.equal(result.stages.find((stage) => stage.id === "deploy")?.findings, undefined);
    });

    test("a VirtualService bound to a Gateway that does not exist: IST0101 gateway and IST0132; run rebinds it", async () => {
      await deployed(s.ok, "nogw");
      const file = edited(s.env, "bookinfo-gateway.yaml", (t) =>
        t.replace("    - bookinfo-gateway", "    - bogus-gateway"),
      );
      await s.ok("-n", "nogw", "apply", "-f", file);
      const { text } = await analyzed(s.env, "nogw");
      assert.match(
        text.stdout,
        /^Error \[IST0101\] \(VirtualService nogw\/bookinfo\) Referenced gateway not found: "bogus-gateway"$/m,
      );
      assert.match(
        text.stdout,
        /^Warning \[IST0132\] \(VirtualService nogw\/bookinfo\) one or more host \[\*\] defined in VirtualService nogw\/bookinfo not found in Gateway nogw\/bogus-gateway\.$/m,
      );
      const report = await status(s.env, "nogw");
      assert.equal(report.stage("gateway").state, "failed");
      assert.ok(codes(report.findings).includes("IST0101"));
      // The route is the person's (applied with kubectl): run names it and leaves it, and only
      // with --take-over applies the tour's own file, which binds it to its Gateway again.
      const refused = await bookinfo(s.env.kubeconfig, "run", "-n", "nogw", "--to", "gateway");
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, /VirtualService bookinfo .*kubectl-client-side-apply.*--take-over/);
      const run = await bookinfo(s.env.kubeconfig, "run", "-n", "nogw", "--to", "gateway", "--take-over");
      assert.equal(run.code, 0, run.stdout);
      assert.doesNotMatch((await analyzed(s.env, "nogw")).text.stdout, /bogus-gateway/);
    });
  });

  describe("injection and the ingress gateway's pods", { concurrency: 1 }, () => {
    let s: Awaited<ReturnType<typeof open>>;
    before(async () => {
      s = await open();
    });
    after(async () => s.env.close());

    test("a namespace labelled after deploy: IST0103 for each pod, a warning (exit 0); run restarts them", async () => {
      await deployed(s.ok, "late", false);
      await s.ok("label", "namespace", "late", "istio-injection=enabled");
      const { text, findings } = await analyzed(s.env, "late");
      assert.equal(text.code, 0, "warnings alone exit 0");
      const missing = findings.filter((f) => f.code === "IST0103");
      assert.equal(missing.length, 6, text.stdout);
      assert.match(
        text.stdout,
        /^Warning \[IST0103\] \(Pod late\/details-v1-\S+\) The pod late\/details-v1-\S+ is missing the Istio proxy\. This can often be resolved by restarting or redeploying the workload\.$/m,
      );
      assert.match(text.stdout, /^ {4}fix: kubectl -n late rollout restart deployment details-v1$/m);
      const report = await status(s.env, "late");
      assert.equal(report.stage("inject").state, "failed");
      assert.equal(report.findings.filter((f) => f.code === "IST0103").length, 6);

      const run = await bookinfo(s.env.kubeconfig, "run", "-n", "late", "--to", "deploy");
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /deployment\.apps\/details-v1 restarted/);
      const after = await analyzed(s.env, "late");
      assert.deepEqual(codes(after.findings), [], after.text.stdout);
      assert.match(after.text.stderr, /^✔ No validation issues found when analyzing namespace: late\.$/m);
    });

    test("a Gateway whose selector matches no pod: IST0101 selector", async () => {
      await deployed(s.ok, "nosel");
      const file = edited(s.env, "bookinfo-gateway.yaml", (t) =>
        t.replace("    istio: ingressgateway", "    istio: ingress"),
      );
      await s.ok("-n", "nosel", "apply", "-f", file);
      const { text } = await analyzed(s.env, "nosel");
      assert.equal(text.code, 1);
      assert.match(
        text.stdout,
        /^Error \[IST0101\] \(Gateway nosel\/bookinfo-gateway\) Referenced selector not found: "istio=ingress"$/m,
      );
      assert.match(
        text.stdout,
        /^ {4}fix: the ingress gateway pods are labelled istio=ingressgateway; set spec\.selector to match: kubectl -n nosel edit gateway bookinfo-gateway$/m,
      );
      const report = await status(s.env, "nosel");
      assert.equal(report.stage("gateway").state, "failed");
      assert.ok(codes(report.findings).includes("IST0101"));
    });

    test("run stops when no ingress gateway pod runs at all, and names the Gateway's selector", async () => {
      await s.ok("-n", "istio-system", "scale", "deployment", "istio-ingressgateway", "--replicas=0");
      await s.ok(
        "-n",
        "istio-system",
        "wait",
        "--for=delete",
        "pod",
        "-l",
        "istio=ingressgateway",
        "--timeout=60s",
      );
      const run = await bookinfo(s.env.kubeconfig, "run", "-n", "nosel", "--to", "gateway", "--take-over");
      assert.equal(run.code, 1, run.stdout);
      assert.match(
        run.stdout,
        /FAILED: Gateway bookinfo-gateway selects istio=ingressgateway but no ingress gateway pod is running/,
      );
      assert.match(
        run.stdout,
        /^ {6}IST0101: Gateway nosel\/bookinfo-gateway selects istio=ingressgateway, and no pod has those labels; /m,
      );
    });
  });
});
