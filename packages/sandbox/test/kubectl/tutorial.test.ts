import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";

// The tutorial's own commands, run by the real kubectl against the sandbox over HTTPS, each
// in a namespace of its own so the steps can be read (and fail) independently.

const manifest = (name: string) => new URL(`../../../../manifests/${name}`, import.meta.url).pathname;

const BOOKINFO_OBJECTS = [
  "service/details",
  "serviceaccount/bookinfo-details",
  "deployment.apps/details-v1",
  "service/ratings",
  "serviceaccount/bookinfo-ratings",
  "deployment.apps/ratings-v1",
  "service/reviews",
  "serviceaccount/bookinfo-reviews",
  "deployment.apps/reviews-v1",
  "deployment.apps/reviews-v2",
  "deployment.apps/reviews-v3",
  "service/productpage",
  "serviceaccount/bookinfo-productpage",
  "deployment.apps/productpage-v1",
];

let env: TestSandbox;
let kubectl: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 20 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env.close());

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

async function namespace(name: string, inject: boolean): Promise<void> {
  await ok("create", "namespace", name);
  if (inject) await ok("label", "namespace", name, "istio-injection=enabled");
}

const podsReady = (ns: string, ready: string) => async () => {
  const out = await ok("-n", ns, "get", "pods", "--no-headers");
  const lines = out.trim().split("\n").filter(Boolean);
  return (
    lines.length === 6 && lines.every((l) => l.split(/\s+/)[1] === ready && l.split(/\s+/)[2] === "Running")
  );
};

async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail("condition not met in time");
}

describe("the real kubectl follows the Bookinfo tutorial on the sandbox", () => {
  test("get ns lists the namespaces of a cluster with Istio", async () => {
    const out = await ok("get", "ns");
    assert.match(out, /^NAME\s+STATUS\s+AGE/);
    for (const ns of ["default", "istio-system", "kube-system"])
      assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\d+s`, "m"));
  });

  test("label namespace --overwrite, then again: labeled, not labeled", async () => {
    assert.equal(
      (await ok("label", "namespace", "default", "istio-injection=enabled", "--overwrite")).trim(),
      "namespace/default labeled",
    );
    assert.equal(
      (await ok("label", "namespace", "default", "istio-injection=enabled", "--overwrite")).trim(),
      "namespace/default not labeled",
    );
    const again = await kubectl("label", "namespace", "default", "istio-injection=disabled");
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /'istio-injection' already has a value \(enabled\), and --overwrite is false/);
  });

  test("apply prints 14 created lines, a second apply 14 unchanged, server-side apply serverside-applied", async () => {
    await namespace("apply", false);
    const first = await ok("-n", "apply", "apply", "-f", manifest("bookinfo.yaml"));
    assert.deepEqual(
      first.trim().split("\n"),
      BOOKINFO_OBJECTS.map((o) => `${o} created`),
    );
    const second = await ok("-n", "apply", "apply", "-f", manifest("bookinfo.yaml"));
    assert.deepEqual(
      second.trim().split("\n"),
      BOOKINFO_OBJECTS.map((o) => `${o} unchanged`),
    );
    const ssa = await ok("-n", "apply", "apply", "--server-side", "-f", manifest("bookinfo.yaml"));
    assert.deepEqual(
      ssa.trim().split("\n"),
      BOOKINFO_OBJECTS.map((o) => `${o} serverside-applied`),
    );
  });

  test("server-side apply into an empty namespace creates everything", async () => {
    await namespace("ssa", false);
    const out = await ok("-n", "ssa", "apply", "--server-side", "-f", manifest("bookinfo.yaml"));
    assert.equal(out.trim().split("\n").length, 14);
    assert.match(await ok("-n", "ssa", "get", "deploy"), /productpage-v1\s+\d\/1/);
  });

  test("get services shows the columns of a real cluster", async () => {
    await namespace("svc", false);
    await ok("-n", "svc", "apply", "-f", manifest("bookinfo.yaml"));
    const out = await ok("-n", "svc", "get", "services");
    assert.match(out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    for (const name of ["details", "ratings", "reviews", "productpage"]) {
      assert.match(
        out,
        new RegExp(`^${name}\\s+ClusterIP\\s+10\\.96\\.\\d+\\.\\d+\\s+<none>\\s+9080/TCP\\s+\\d+s`, "m"),
      );
    }
  });

  test("pods come up 2/2 Running in a labelled namespace, with the intermediate states on a watch", async () => {
    await namespace("mesh", true);
    const watch = kubectl.stream("-n", "mesh", "get", "pods", "-w");
    await ok("-n", "mesh", "apply", "-f", manifest("bookinfo.yaml"));
    await eventually(podsReady("mesh", "2/2"));
    const waited = await ok("-n", "mesh", "wait", "--for=condition=Ready", "pod", "--all", "--timeout=30s");
    assert.equal(
      waited
        .trim()
        .split("\n")
        .filter((l) => l.endsWith("condition met")).length,
      6,
    );
    await new Promise((r) => setTimeout(r, 300));
    const seen = (await watch.stop()).stdout;
    assert.match(seen, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    assert.match(seen, /productpage-v1-[a-z0-9]+-[a-z0-9]{5}\s+0\/2\s+Pending/);
    assert.match(seen, /Init:0\/1/);
    assert.match(seen, /PodInitializing/);
    assert.match(seen, /productpage-v1-[a-z0-9]+-[a-z0-9]{5}\s+2\/2\s+Running/);
  });

  test("without the injection label pods are 1/1; labelled after deploy they stay 1/1 until restarted", async () => {
    await namespace("late", false);
    await ok("-n", "late", "apply", "-f", manifest("bookinfo.yaml"));
    await eventually(podsReady("late", "1/1"));
    await ok("label", "namespace", "late", "istio-injection=enabled");
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(await podsReady("late", "1/1")(), "existing pods must keep 1/1 after labelling");
    const restarted = await ok("-n", "late", "rollout", "restart", "deployment");
    assert.equal(restarted.trim().split("\n").length, 6);
    assert.match(restarted, /deployment.apps\/reviews-v2 restarted/);
    const status = await ok("-n", "late", "rollout", "status", "deployment/reviews-v2", "--timeout=30s");
    assert.match(status, /successfully rolled out/);
    await eventually(podsReady("late", "2/2"));
  });

  test("the ingress gateway is a NodePort service whose address the tutorial's commands find", async () => {
    const svc = await ok("-n", "istio-system", "get", "svc", "istio-ingressgateway");
    assert.match(
      svc,
      /istio-ingressgateway\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+15021:3\d{4}\/TCP,80:3\d{4}\/TCP,443:3\d{4}\/TCP/,
    );
    const { httpNodePort } = env.sandbox.ingress;
    const port = await ok(
      "-n",
      "istio-system",
      "get",
      "service",
      "istio-ingressgateway",
      "-o",
      'jsonpath={.spec.ports[?(@.name=="http2")].nodePort}',
    );
    assert.equal(port, String(httpNodePort));
    const portTemplate = await ok(
      "-n",
      "istio-system",
      "get",
      "service",
      "istio-ingressgateway",
      "-o",
      'go-template={{range .spec.ports}}{{if eq .name "http2"}}{{.nodePort}}{{end}}{{end}}',
    );
    assert.equal(portTemplate, String(httpNodePort));
    await until(env.sandbox, () =>
      [...env.sandbox.store.peek("pods", "istio-system")].some(
        (p) => (p.status as { hostIP?: string })?.hostIP,
      ),
    );
    const host = await ok(
      "get",
      "po",
      "-l",
      "istio=ingressgateway",
      "-n",
      "istio-system",
      "-o",
      "jsonpath={.items[0].status.hostIP}",
    );
    assert.equal(host, "127.0.0.1");
    const hostTemplate = await ok(
      "get",
      "po",
      "-l",
      "istio=ingressgateway",
      "-n",
      "istio-system",
      "-o",
      "go-template={{range .items}}{{.status.hostIP}}{{end}}",
    );
    assert.equal(hostTemplate, "127.0.0.1");
  });

  test("Istio's gateway, destination rules and virtual services apply and list", async () => {
    await namespace("istio-config", false);
    const gw = await ok("-n", "istio-config", "apply", "-f", manifest("bookinfo-gateway.yaml"));
    assert.deepEqual(gw.trim().split("\n"), [
      "gateway.networking.istio.io/bookinfo-gateway created",
      "virtualservice.networking.istio.io/bookinfo created",
    ]);
    const dr = await ok("-n", "istio-config", "apply", "-f", manifest("destination-rule-all.yaml"));
    assert.equal(
      dr
        .trim()
        .split("\n")
        .filter((l) => /^destinationrule.networking.istio.io\/\w+ created$/.test(l)).length,
      4,
    );
    const vs = await ok("-n", "istio-config", "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    assert.equal(
      vs
        .trim()
        .split("\n")
        .filter((l) => /^virtualservice.networking.istio.io\/\w+ created$/.test(l)).length,
      4,
    );
    const again = await ok("-n", "istio-config", "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    assert.equal(
      again
        .trim()
        .split("\n")
        .filter((l) => l.endsWith(" unchanged")).length,
      4,
    );
    const listed = await ok("-n", "istio-config", "get", "gateways,virtualservices,destinationrules");
    assert.match(listed, /gateway.networking.istio.io\/bookinfo-gateway\s+\d+s/);
    assert.match(
      listed,
      /virtualservice.networking.istio.io\/bookinfo\s+\["bookinfo-gateway"\]\s+\["\*"\]\s+\d+s/,
    );
    assert.match(listed, /virtualservice.networking.istio.io\/reviews\s+\["reviews"\]\s+\d+s/);
    assert.match(listed, /destinationrule.networking.istio.io\/reviews\s+reviews\s+\d+s/);
    const short = await ok("-n", "istio-config", "get", "vs,dr,gw", "-o", "name");
    assert.equal(short.trim().split("\n").length, 10);
  });

  test("delete -f takes the pods through Terminating and away", async () => {
    await namespace("gone", false);
    await ok("-n", "gone", "apply", "-f", manifest("bookinfo.yaml"));
    await eventually(podsReady("gone", "1/1"));
    const watch = kubectl.stream("-n", "gone", "get", "pods", "-w");
    await new Promise((r) => setTimeout(r, 300));
    const deleted = await ok("-n", "gone", "delete", "-f", manifest("bookinfo.yaml"));
    assert.deepEqual(
      deleted.trim().split("\n"),
      BOOKINFO_OBJECTS.map((o) => {
        const [kind, name] = o.split("/");
        return `${kind} "${name}" deleted`;
      }),
    );
    await eventually(async () =>
      (await kubectl("-n", "gone", "get", "pods")).stderr.includes("No resources found"),
    );
    const seen = (await watch.stop()).stdout;
    assert.match(seen, /productpage-v1-\S+\s+1\/1\s+Terminating/);
  });

  test("the viewer context may read but its writes are Forbidden", async () => {
    const viewer = kubectlFor(env.kubeconfig, "bookinfo-sandbox-viewer");
    const read = await viewer("get", "ns");
    assert.equal(read.code, 0, read.stderr);
    const write = await viewer("label", "namespace", "default", "team=x");
    assert.notEqual(write.code, 0);
    assert.match(
      write.stderr,
      /Error from server \(Forbidden\): namespaces "default" is forbidden: User "bookinfo-viewer" cannot patch resource "namespaces" in API group "" in the namespace "default"/,
    );
    const apply = await viewer("-n", "default", "apply", "-f", manifest("bookinfo-gateway.yaml"));
    assert.notEqual(apply.code, 0);
    assert.match(apply.stderr, /Error from server \(Forbidden\)/);
  });
});
