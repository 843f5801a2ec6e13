import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Pod } from "../../src/kube.ts";
import { gatewayUrl } from "../../testing/gatewayApi.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";
import { manifest, pages, tally } from "../../testing/tutorial.ts";

// Istio's ambient profile, as its getting-started guide uses it: ztunnel and the CNI agent on
// every node, a namespace labelled istio.io/dataplane-mode=ambient whose pods join the mesh
// without sidecars, HTTPRoute weights ignored until a waypoint handles the namespace's Services,
// and honoured once one does.

let env: TestSandbox;
let kubectl: Kubectl;
let productpage: string;

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

const bookinfoPods = () => [...env.sandbox.store.peek("pods", "default")] as Pod[];
const redirected = (p: Pod) => p.metadata.annotations?.["ambient.istio.io/redirection"] === "enabled";

before(async () => {
  env = await openSandbox({ profile: "ambient", speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env?.close());

describe("the ambient profile", () => {
  test("runs ztunnel and the CNI agent as DaemonSets, one pod per node, and no ingress gateway", async () => {
    await ok("-n", "istio-system", "rollout", "status", "ds/ztunnel", "--timeout=30s");
    const ds = await ok("get", "ds", "-n", "istio-system");
    assert.match(ds, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    assert.match(ds, /^istio-cni-node\s+1\s+1\s+1\s+1\s+1\s+kubernetes\.io\/os=linux\s+\d+s$/m);
    assert.match(ds, /^ztunnel\s+1\s+1\s+1\s+1\s+1\s+kubernetes\.io\/os=linux\s+\d+s$/m);
    const pods = await ok("get", "pods", "-n", "istio-system", "-o", "wide");
    assert.match(
      pods,
      /^ztunnel-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+[\d.]+\s+bookinfo-sandbox-control-plane\s/m,
    );
    assert.match(pods, /^istio-cni-node-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\S+\s+127\.0\.0\.1\s/m);
    assert.doesNotMatch(await ok("get", "svc", "-n", "istio-system"), /ingressgateway/);
    await ok("wait", "--for=condition=accepted", "--timeout=10s", "gatewayclass/istio-waypoint");
    assert.match(await ok("get", "gc"), /^istio-waypoint\s+istio\.io\/mesh-controller\s+True\s+\d+s$/m);
  });

  test("a deleted ztunnel pod is replaced on its node", async () => {
    const before = JSON.parse(
      await ok("get", "pods", "-n", "istio-system", "-l", "app=ztunnel", "-o", "json"),
    ).items;
    assert.equal(before.length, 1);
    await ok("delete", "pod", "-n", "istio-system", before[0].metadata.name, "--wait=false");
    await ok("-n", "istio-system", "rollout", "status", "ds/ztunnel", "--timeout=30s");
    await until(env.sandbox, () => {
      const pods = [...env.sandbox.store.peek("pods", "istio-system")] as Pod[];
      const z = pods.filter((p) => p.metadata.labels?.app === "ztunnel" && !p.metadata.deletionTimestamp);
      return z.length === 1 && z[0]!.metadata.name !== before[0].metadata.name && z[0]!.spec?.nodeName;
    });
  });
});

describe("the ambient getting-started flow", () => {
  test("Bookinfo outside the mesh: the route's weights do not apply", async () => {
    await ok("apply", "-f", manifest("bookinfo.yaml"));
    await ok("apply", "-f", manifest("gateway-api/bookinfo-versions.yaml"));
    await ok("apply", "-f", manifest("gateway-api/bookinfo-gateway.yaml"));
    await ok("wait", "--for=condition=programmed", "--timeout=30s", "gtw", "bookinfo-gateway");
    await ok("wait", "--for=condition=ready", "--timeout=60s", "pod", "--all");
    productpage = `${(await gatewayUrl(kubectl, "bookinfo-gateway")).url}/productpage`;
    await ok("apply", "-f", manifest("gateway-api/route-reviews-90-10.yaml"));
    await env.sandbox.dataPlane.settled();
    const mix = tally(await pages(productpage, 60));
    assert.ok((mix.v3 ?? 0) > 0 && (mix.v2 ?? 0) > 10, JSON.stringify(mix));
  });

  test("labelling the namespace ambient puts the running pods in the mesh, still 1/1", async () => {
    const names = bookinfoPods().map((p) => p.metadata.name);
    await ok("label", "namespace", "default", "istio.io/dataplane-mode=ambient");
    await until(env.sandbox, () =>
      bookinfoPods()
        .filter((p) => p.metadata.labels?.app && !p.metadata.labels["gateway.networking.k8s.io/gateway-name"])
        .every(redirected),
    );
    // No restart: the same pods, each with one container.
    assert.deepEqual(
      bookinfoPods().map((p) => p.metadata.name),
      names,
    );
    const table = await ok("get", "pods", "-l", "app=reviews");
    for (const line of table.trim().split("\n").slice(1))
      assert.match(line, /^reviews-v\d-\S+\s+1\/1\s+Running\s+0\s/);
    const annotations = JSON.parse(
      await ok("get", "pod", "-l", "app=productpage", "-o", "jsonpath={.items[0].metadata.annotations}"),
    );
    assert.equal(annotations["ambient.istio.io/redirection"], "enabled");
    // The gateway's own proxy stays out of the mesh's capture.
    const gatewayPod = bookinfoPods().find(
      (p) => p.metadata.labels?.["gateway.networking.k8s.io/gateway-name"],
    );
    assert.equal(redirected(gatewayPod!), false);
  });

  test("traffic flows, but without a waypoint only L4 applies: the weights are still ignored", async () => {
    await env.sandbox.dataPlane.settled();
    const mix = tally(await pages(productpage, 60));
    assert.equal((mix.v1 ?? 0) + (mix.v2 ?? 0) + (mix.v3 ?? 0), 60, JSON.stringify(mix));
    assert.ok((mix.v3 ?? 0) > 0 && (mix.v2 ?? 0) > 10, JSON.stringify(mix));
    const status = JSON.parse(
      await ok("get", "httproute", "reviews", "-o", "jsonpath={.status.parents[0].conditions}"),
    );
    assert.deepEqual(
      status.map((c: { type: string; message: string }) => [c.type, c.message]),
      [
        ["Accepted", "Route was valid"],
        ["ResolvedRefs", "All references resolved"],
        [
          "ResolvedWaypoints",
          "istio.io/use-waypoint label missing from parent and parent namespace; in ambient mode, route will not be respected",
        ],
      ],
    );
  });

  test("with a waypoint for the namespace, the 90/10 split applies", async () => {
    // What `istioctl waypoint apply --enroll-namespace --wait` does.
    const applied = await ok("apply", "-f", manifest("gateway-api/waypoint.yaml"));
    assert.equal(applied, "gateway.gateway.networking.k8s.io/waypoint created\n");
    await ok("label", "namespace", "default", "istio.io/use-waypoint=waypoint");
    await ok("wait", "--for=condition=programmed", "--timeout=30s", "gtw", "waypoint");
    const gtw = await ok("get", "gtw", "waypoint");
    assert.match(gtw, /^waypoint\s+istio-waypoint\s+10\.96\.[\d.]+\s+True\s+\d+s$/m);
    const deployed = await ok("get", "deploy,svc", "waypoint");
    assert.match(deployed, /^deployment\.apps\/waypoint\s+1\/1\s+1\s+1\s+\d+s$/m);
    assert.match(
      deployed,
      /^service\/waypoint\s+ClusterIP\s+[\d.]+\s+<none>\s+15021\/TCP,15008\/TCP\s+\d+s$/m,
    );
    await env.sandbox.dataPlane.settled();
    const mix = tally(await pages(productpage, 200));
    assert.equal(mix.v3, undefined, JSON.stringify(mix));
    assert.ok(mix.v1! >= 170 && mix.v1! <= 190, JSON.stringify(mix));
    await until(env.sandbox, () => {
      const route = env.sandbox.store.get("httproutes.gateway.networking.k8s.io", "default", "reviews");
      const conditions = (
        route?.status as { parents?: { conditions: { type: string; message: string }[] }[] }
      )?.parents?.[0]?.conditions;
      return conditions?.find((c) => c.type === "ResolvedWaypoints")?.message === "All waypoints resolved";
    });
  });

  test("opting the reviews Service out of the waypoint brings L4 back", async () => {
    await ok("label", "service", "reviews", "istio.io/use-waypoint=none");
    await env.sandbox.dataPlane.settled();
    const mix = tally(await pages(productpage, 60));
    assert.ok((mix.v3 ?? 0) > 0, JSON.stringify(mix));
    await ok("label", "service", "reviews", "istio.io/use-waypoint-");
  });

  test("a VirtualService applies through the waypoint too", async () => {
    await ok("delete", "httproute", "reviews");
    await ok("apply", "-f", manifest("destination-rule-all.yaml"));
    await ok("apply", "-f", manifest("virtual-service-all-v1.yaml"));
    await env.sandbox.dataPlane.settled();
    assert.deepEqual(tally(await pages(productpage, 30)), { v1: 30 });
  });
});
