import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freeNodePorts } from "../../src/ports.ts";
import { gatewayUrl } from "../../testing/gatewayApi.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";
import { curl, manifest, pages, tally } from "../../testing/tutorial.ts";

// Istio's Bookinfo docs in their Gateway API form, command for command with the real kubectl and
// curl, on a cluster where the Gateway API CRDs are installed by applying the published bundle:
// the Gateway makes Istio deploy bookinfo-gateway-istio, `kubectl wait` sees it programmed, the
// address comes from its status, and HTTPRoutes to the per-version Services shift traffic.

const bundle = new URL("../../crds/gateway-api-standard.yaml", import.meta.url).pathname;

let env: TestSandbox;
let kubectl: Kubectl;
let productpage: string;

async function code(url: string): Promise<string> {
  const result = await curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", url);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  env = await openSandbox({ speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env?.close());

describe("the Gateway API flow of the Bookinfo docs", () => {
  test("the Gateway API CRD bundle applies cleanly and istiod's GatewayClasses appear", async () => {
    const out = await ok("apply", "-f", bundle);
    assert.match(
      out,
      /^customresourcedefinition\.apiextensions\.k8s\.io\/gateways\.gateway\.networking\.k8s\.io created$/m,
    );
    assert.doesNotMatch(out, /error|warning/i);
    await ok(
      "wait",
      "--for=condition=established",
      "--timeout=10s",
      "crd/gateways.gateway.networking.k8s.io",
    );
    await ok("wait", "--for=condition=accepted", "--timeout=10s", "gatewayclass/istio");
    const classes = await ok("get", "gatewayclass", "-o", "wide");
    assert.match(classes, /^NAME\s+CONTROLLER\s+ACCEPTED\s+AGE\s+DESCRIPTION$/m);
    assert.match(
      classes,
      /^istio\s+istio\.io\/gateway-controller\s+True\s+\d+s\s+The default Istio GatewayClass$/m,
    );
    // Without ambient, istiod has no waypoint class.
    assert.doesNotMatch(classes, /istio-waypoint/);
  });

  test("bookinfo and gateway-api/bookinfo-gateway.yaml apply; the Gateway gets its own proxy", async () => {
    await ok("label", "namespace", "default", "istio-injection=enabled");
    await ok("apply", "-f", manifest("bookinfo.yaml"));
    const out = await ok("apply", "-f", manifest("gateway-api/bookinfo-gateway.yaml"));
    assert.equal(
      out,
      "gateway.gateway.networking.k8s.io/bookinfo-gateway created\nhttproute.gateway.networking.k8s.io/bookinfo created\n",
    );
    const waited = await ok("wait", "--for=condition=programmed", "--timeout=30s", "gtw", "bookinfo-gateway");
    assert.equal(waited, "gateway.gateway.networking.k8s.io/bookinfo-gateway condition met\n");
    const gtw = await ok("get", "gtw");
    assert.match(gtw, /^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE$/m);
    assert.match(gtw, /^bookinfo-gateway\s+istio\s+127\.0\.0\.1\s+True\s+\d+s$/m);

    const selector = "gateway.networking.k8s.io/gateway-name=bookinfo-gateway";
    const svc = JSON.parse(await ok("get", "svc", "bookinfo-gateway-istio", "-o", "json"));
    assert.equal(svc.spec.type, "LoadBalancer");
    assert.equal(svc.metadata.labels["gateway.istio.io/managed"], "istio.io-gateway-controller");
    assert.equal(svc.metadata.labels["gateway.networking.k8s.io/gateway-name"], "bookinfo-gateway");
    assert.deepEqual(
      svc.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]),
      [
        ["status-port", 15021],
        ["http", 80],
      ],
    );
    assert.equal(svc.status.loadBalancer.ingress[0].ip, "127.0.0.1");
    assert.equal(svc.metadata.ownerReferences[0].kind, "Gateway");
    const services = await ok("get", "svc", "-l", selector);
    assert.match(
      services,
      /^bookinfo-gateway-istio\s+LoadBalancer\s+[\d.]+\s+127\.0\.0\.1\s+15021:\d+\/TCP,80:\d+\/TCP\s+\d+s$/m,
    );
    assert.match(
      await ok("get", "deploy", "-l", selector),
      /^bookinfo-gateway-istio\s+1\/1\s+1\s+1\s+\d+s$/m,
    );
    assert.match(await ok("get", "sa", "bookinfo-gateway-istio"), /^bookinfo-gateway-istio\s+0\s+\d+s$/m);
    const pod = JSON.parse(await ok("get", "pods", "-l", selector, "-o", "json")).items[0];
    assert.deepEqual(
      pod.spec.containers.map((c: { name: string }) => c.name),
      ["istio-proxy"],
    );
    assert.equal(pod.spec.initContainers, undefined);
    assert.match(
      await ok("get", "pods", "-l", selector),
      /^bookinfo-gateway-istio-[a-z0-9]+-[a-z0-9]+\s+1\/1\s+Running\s+0/m,
    );

    const gateway = JSON.parse(await ok("get", "gtw", "bookinfo-gateway", "-o", "json"));
    const programmed = gateway.status.conditions.find((c: { type: string }) => c.type === "Programmed");
    assert.equal(programmed.reason, "Programmed");
    assert.equal(
      programmed.message,
      "Resource programmed, assigned to service(s) bookinfo-gateway-istio.default.svc.cluster.local:80",
    );
    assert.deepEqual(gateway.status.addresses, [{ type: "IPAddress", value: "127.0.0.1" }]);
    assert.equal(gateway.status.listeners[0].attachedRoutes, 1);
  });

  test("GATEWAY_URL from the Gateway's status serves the product page; other paths get 404", async () => {
    await ok("wait", "--for=condition=ready", "--timeout=60s", "pod", "--all");
    const url = await gatewayUrl(kubectl, "bookinfo-gateway");
    assert.equal(url.docs, "http://127.0.0.1:80");
    if (url.fallback) {
      // Port 80 was not to be had here: the Service's status says so, and the node port serves it.
      assert.equal(url.fallback, "bookinfo-sandbox.local/PortUnavailable");
    }
    productpage = `${url.url}/productpage`;
    const title = await curl("-sS", productpage);
    assert.equal(title.code, 0, title.stderr);
    assert.match(title.stdout, /<title>Simple Bookstore App<\/title>/);
    const root = await curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", `${url.url}/`);
    assert.equal(root.stdout, "404");
    const nodePort = await ok(
      "get",
      "svc",
      "bookinfo-gateway-istio",
      "-o",
      'jsonpath={.spec.ports[?(@.name=="http")].nodePort}',
    );
    const viaNode = await curl(
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `http://127.0.0.1:${nodePort}/productpage`,
    );
    assert.equal(viaNode.stdout, "200");
    // Without routes for reviews, the Service balances over all three versions.
    const mix = tally(await pages(productpage, 30));
    assert.deepEqual(Object.keys(mix).sort(), ["v1", "v2", "v3"]);
  });

  test("route-reviews-50-v3 gives about half v1 and half v3 over 200 pages", async () => {
    await ok("apply", "-f", manifest("gateway-api/bookinfo-versions.yaml"));
    const out = await ok("apply", "-f", manifest("gateway-api/route-reviews-50-v3.yaml"));
    assert.equal(out, "httproute.gateway.networking.k8s.io/reviews created\n");
    await until(env.sandbox, () => {
      const route = env.sandbox.store.get("httproutes.gateway.networking.k8s.io", "default", "reviews");
      return (route?.status as { parents?: unknown[] } | undefined)?.parents?.length;
    });
    const status = JSON.parse(await ok("get", "httproute", "reviews", "-o", "jsonpath={.status.parents[0]}"));
    assert.equal(status.controllerName, "istio.io/gateway-controller");
    assert.deepEqual(status.parentRef, { group: "", kind: "Service", name: "reviews", port: 9080 });
    assert.deepEqual(
      status.conditions.map((c: { type: string; reason: string; message: string }) => [
        c.type,
        c.reason,
        c.message,
      ]),
      [
        ["Accepted", "Accepted", "Route was valid"],
        ["ResolvedRefs", "ResolvedRefs", "All references resolved"],
      ],
    );
    const mix = tally(await pages(productpage, 200));
    assert.equal(mix.v2, undefined, JSON.stringify(mix));
    assert.equal((mix.v1 ?? 0) + (mix.v3 ?? 0), 200, JSON.stringify(mix));
    // The docs' tests allow ±10 % around the configured split.
    assert.ok(mix.v1! >= 80 && mix.v1! <= 120, JSON.stringify(mix));
  });

  test("route-all-v1 sends every call to v1", async () => {
    const out = await ok("apply", "-f", manifest("gateway-api/route-all-v1.yaml"));
    assert.equal(
      out,
      [
        "httproute.gateway.networking.k8s.io/reviews configured",
        "httproute.gateway.networking.k8s.io/productpage created",
        "httproute.gateway.networking.k8s.io/ratings created",
        "httproute.gateway.networking.k8s.io/details created",
        "",
      ].join("\n"),
    );
    await env.sandbox.dataPlane.settled();
    assert.deepEqual(tally(await pages(productpage, 60)), { v1: 60 });
    const routes = await ok("get", "httproute");
    assert.match(routes, /^NAME\s+HOSTNAMES\s+AGE$/m);
    for (const name of ["bookinfo", "details", "productpage", "ratings", "reviews"])
      assert.match(routes, new RegExp(`^${name}\\s+\\d+s$`, "m"));
  });

  test("the load balancer opens a listener's port on 127.0.0.1, or says in the Service's status that it could not", async () => {
    const [open, held] = (await freeNodePorts(2)) as [number, number];
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(held, "127.0.0.1", resolve));
    try {
      const shop = (name: string, port: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  gatewayClassName: istio
  listeners:
    - name: http
      port: ${port}
      protocol: HTTP
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
    - name: ${name}
  rules:
    - backendRefs:
        - name: productpage
          port: 9080
`;
      const dir = mkdtempSync(join(tmpdir(), "gateways-"));
      writeFileSync(join(dir, "gateways.yaml"), `${shop("open-shop", open)}---\n${shop("held-shop", held)}`);
      await ok("apply", "-f", join(dir, "gateways.yaml"));
      await ok("wait", "--for=condition=programmed", "--timeout=30s", "gtw", "open-shop", "held-shop");
      const opened = await gatewayUrl(kubectl, "open-shop");
      assert.deepEqual(opened, { docs: `http://127.0.0.1:${open}`, url: `http://127.0.0.1:${open}` });
      assert.equal(await code(`${opened.url}/productpage`), "200");
      const blocked = await gatewayUrl(kubectl, "held-shop");
      assert.equal(blocked.docs, `http://127.0.0.1:${held}`);
      assert.equal(blocked.fallback, "bookinfo-sandbox.local/PortUnavailable");
      const ports = JSON.parse(
        await ok("get", "svc", "held-shop-istio", "-o", "jsonpath={.status.loadBalancer.ingress[0].ports}"),
      );
      assert.deepEqual(ports, [
        { port: 15021, protocol: "TCP" },
        { port: held, protocol: "TCP", error: "bookinfo-sandbox.local/PortUnavailable" },
      ]);
      assert.equal(await code(`${blocked.url}/productpage`), "200");
      await ok("delete", "gtw", "open-shop", "held-shop");
    } finally {
      holder.close();
    }
  });

  test("the service-type annotation makes the Service ClusterIP; the address becomes its hostname", async () => {
    await ok(
      "annotate",
      "gateway",
      "bookinfo-gateway",
      "networking.istio.io/service-type=ClusterIP",
      "--namespace=default",
    );
    await until(env.sandbox, () => {
      const gw = env.sandbox.store.get("gateways.gateway.networking.k8s.io", "default", "bookinfo-gateway");
      const addresses = (gw?.status as { addresses?: { value: string }[] } | undefined)?.addresses;
      return addresses?.[0]?.value.endsWith(".svc.cluster.local");
    });
    const gtw = await ok("get", "gateway");
    assert.match(
      gtw,
      /^bookinfo-gateway\s+istio\s+bookinfo-gateway-istio\.default\.svc\.cluster\.local\s+True\s+\d+s$/m,
    );
    const svc = await ok("get", "svc", "bookinfo-gateway-istio");
    assert.match(svc, /^bookinfo-gateway-istio\s+ClusterIP\s+[\d.]+\s+<none>\s+15021\/TCP,80\/TCP\s+\d+s$/m);
  });
});
