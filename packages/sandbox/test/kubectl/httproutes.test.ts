import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gatewayUrl } from "../../testing/gatewayApi.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";
import { curl, manifest, pages, tally } from "../../testing/tutorial.ts";

// HTTPRoutes on a sandbox installed with Istio's minimal profile (istiod and the Gateway API, no
// istio-ingressgateway): the status Istio writes for routes it accepts only in part, the matches
// and filters at the gateway, and mesh routes in the sidecars, next to VirtualServices.

const fixture = (name: string) => new URL(`../fixtures/gateway-api/${name}`, import.meta.url).pathname;

let env: TestSandbox;
let kubectl: Kubectl;
let base: string;

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "httproute-")), "manifest.yaml");
  writeFileSync(path, text);
  return path;
}

interface Parent {
  parentRef: Record<string, unknown>;
  controllerName: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
}

/** The route's parent entries once Istio has written them, as [type, status, reason, message]. */
async function parents(name: string, namespace = "default"): Promise<Parent[]> {
  await until(env.sandbox, () => {
    const route = env.sandbox.store.get("httproutes.gateway.networking.k8s.io", namespace, name);
    return ((route?.status as { parents?: unknown[] } | undefined)?.parents?.length ?? 0) > 0;
  });
  return JSON.parse(await ok("-n", namespace, "get", "httproute", name, "-o", "jsonpath={.status.parents}"));
}

const conditions = (p: Parent) => p.conditions.map((c) => [c.type, c.status, c.reason, c.message]);

async function code(url: string, ...args: string[]): Promise<string> {
  const result = await curl("-sS", "-o", "/dev/null", "-w", "%{http_code}", ...args, url);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

async function login(user: string): Promise<string> {
  const jar = join(env.dir, `jar-${user}`);
  const result = await curl(
    "-sS",
    "-c",
    jar,
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "--data-urlencode",
    `username=${user}`,
    "--data",
    "passwd=",
    `${base}/login`,
  );
  assert.equal(result.stdout, "302", result.stderr);
  return jar;
}

before(async () => {
  env = await openSandbox({ profile: "minimal", speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
  await ok("label", "namespace", "default", "istio-injection=enabled");
  await ok("apply", "-f", manifest("bookinfo.yaml"));
  await ok("apply", "-f", manifest("gateway-api/bookinfo-versions.yaml"));
  await ok("apply", "-f", manifest("gateway-api/bookinfo-gateway.yaml"));
  await ok("wait", "--for=condition=programmed", "--timeout=30s", "gtw", "bookinfo-gateway");
  await ok("wait", "--for=condition=ready", "--timeout=60s", "pod", "--all");
  base = (await gatewayUrl(kubectl, "bookinfo-gateway")).url;
});
after(async () => env?.close());

describe("the minimal profile", () => {
  test("has istiod and the Gateway API, and no istio-ingressgateway", async () => {
    const system = await ok("-n", "istio-system", "get", "deploy,svc");
    assert.match(system, /^deployment\.apps\/istiod\s+1\/1/m);
    assert.doesNotMatch(system, /ingressgateway/);
    assert.match(
      await ok("get", "crd", "httproutes.gateway.networking.k8s.io"),
      /^httproutes\.gateway\.networking\.k8s\.io\s/m,
    );
    assert.equal(await code(`${base}/productpage`), "200");
  });
});

describe("route status for references Istio cannot resolve", () => {
  before(async () => {
    await ok("apply", "-f", fixture("bad-refs.yaml"));
  });

  test("a backend that does not exist: accepted, ResolvedRefs False BackendNotFound, and a 500", async () => {
    const [p] = await parents("missing-backend");
    assert.equal(p!.controllerName, "istio.io/gateway-controller");
    assert.deepEqual(p!.parentRef, {
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name: "bookinfo-gateway",
    });
    assert.deepEqual(conditions(p!), [
      ["Accepted", "True", "Accepted", "Route was valid"],
      [
        "ResolvedRefs",
        "False",
        "BackendNotFound",
        "backend(nonexistent.default.svc.cluster.local) not found",
      ],
    ]);
    assert.equal(await code(`${base}/missing`), "500");
  });

  test("a backend of a kind Istio does not route to: InvalidKind, and a 500", async () => {
    const [p] = await parents("bucket-backend");
    assert.deepEqual(conditions(p!)[1], [
      "ResolvedRefs",
      "False",
      "InvalidKind",
      'referencing unsupported backendRef: group "storage.example.com" kind "GcsBucket"',
    ]);
    assert.equal(await code(`${base}/bucket/1`), "500");
  });

  test("a listener name or a port the Gateway does not have: NoMatchingParent", async () => {
    const [section] = await parents("wrong-section");
    assert.deepEqual(conditions(section!)[0], [
      "Accepted",
      "False",
      "NoMatchingParent",
      'sectionName "https" not found',
    ]);
    const [port] = await parents("wrong-port");
    assert.deepEqual(conditions(port!)[0], ["Accepted", "False", "NoMatchingParent", "port 8443 not found"]);
    const [service] = await parents("no-such-service");
    assert.deepEqual(conditions(service!)[0], [
      "Accepted",
      "False",
      "NoMatchingParent",
      'parent service: "library" not found',
    ]);
  });

  test("the listener counts the routes attached to it", async () => {
    await until(env.sandbox, () => {
      const gw = env.sandbox.store.get("gateways.gateway.networking.k8s.io", "default", "bookinfo-gateway");
      return (
        (gw?.status as { listeners?: { attachedRoutes: number }[] })?.listeners?.[0]?.attachedRoutes === 3
      );
    });
    const attached = await ok(
      "get",
      "gtw",
      "bookinfo-gateway",
      "-o",
      "jsonpath={.status.listeners[0].attachedRoutes}",
    );
    assert.equal(attached, "3");
  });

  test("a route from a namespace the listener does not admit: NotAllowedByListeners; a backend elsewhere needs a ReferenceGrant", async () => {
    await ok("create", "namespace", "shop");
    await ok("apply", "-f", fixture("other-namespace-route.yaml"));
    const [p] = await parents("shop", "shop");
    assert.deepEqual(conditions(p!), [
      [
        "Accepted",
        "False",
        "NotAllowedByListeners",
        'hostnames matched parent hostname "", but namespace "shop" is not allowed by the parent',
      ],
      [
        "ResolvedRefs",
        "False",
        "RefNotPermitted",
        'backendRef productpage/default not accessible to a HTTPRoute in namespace "shop" (missing a ReferenceGrant?)',
      ],
    ]);
    await ok(
      "apply",
      "-f",
      file(`apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata:
  name: shop-to-productpage
  namespace: default
spec:
  from:
    - group: gateway.networking.k8s.io
      kind: HTTPRoute
      namespace: shop
  to:
    - group: ""
      kind: Service
      name: productpage
`),
    );
    await until(env.sandbox, () => {
      const route = env.sandbox.store.get("httproutes.gateway.networking.k8s.io", "shop", "shop");
      const status = route?.status as { parents?: Parent[] } | undefined;
      return status?.parents?.[0]?.conditions.find((c) => c.type === "ResolvedRefs")?.status === "True";
    });
  });
});

describe("matches and filters at the gateway", () => {
  before(async () => {
    await ok("apply", "-f", fixture("filters.yaml"));
    await parents("extras");
    await env.sandbox.dataPlane.settled();
  });

  test("RequestRedirect answers with its status code and Location", async () => {
    const result = await curl(
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code} %{redirect_url}",
      `${base}/old-books`,
    );
    const port = new URL(base).port;
    assert.equal(result.stdout, `301 http://127.0.0.1${port ? `:${port}` : ""}/productpage`);
  });

  test("URLRewrite sends /books to the product page; PathPrefix matches whole segments only", async () => {
    const page = await curl("-sS", `${base}/books/anything`);
    assert.match(page.stdout, /<title>Simple Bookstore App<\/title>/);
    assert.equal(await code(`${base}/bookshelf`), "404");
  });

  test("a regex path with a header match, or a prefix with a query match; header changes both ways", async () => {
    assert.equal(await code(`${base}/shelf/12`), "404");
    assert.equal(await code(`${base}/shelf/12`, "-H", "x-shelf: open"), "200");
    assert.equal(await code(`${base}/shelf/twelve`, "-H", "x-shelf: open"), "404");
    assert.equal(await code(`${base}/shelf?open=yes`), "200");
    assert.equal(await code(`${base}/shelf?open=no`), "404");
    const headers = await curl("-sS", "-D", "-", "-o", "/dev/null", `${base}/shelf?open=yes`);
    assert.match(headers.stdout, /^x-shelf-route: matched\r$/m);
    // The route drops the session cookie on the way in: jason is signed in, but not there.
    const jar = await login("jason");
    const direct = await curl("-sS", "-b", jar, `${base}/productpage`);
    assert.match(direct.stdout, /jason/);
    const shelf = await curl("-sS", "-b", jar, `${base}/shelf?open=yes`);
    assert.doesNotMatch(shelf.stdout, /jason/);
    assert.match(shelf.stdout, /Sign in/);
  });
});

describe("mesh routes in the sidecars", () => {
  test("a header match sends jason's reviews calls to v2 and everyone else's to v1", async () => {
    await ok("apply", "-f", fixture("route-reviews-test-v2.yaml"));
    await parents("reviews");
    await env.sandbox.dataPlane.settled();
    const jar = await login("jason");
    assert.deepEqual(tally(await pages(`${base}/productpage`, 20, jar)), { v2: 20 });
    assert.deepEqual(tally(await pages(`${base}/productpage`, 20)), { v1: 20 });
  });

  test("an HTTPRoute in the caller's namespace wins over a VirtualService for the same host", async () => {
    await ok("apply", "-f", manifest("destination-rule-all.yaml"));
    await ok(
      "apply",
      "-f",
      file(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
    - reviews
  http:
    - route:
        - destination:
            host: reviews
            subset: v3
`),
    );
    await env.sandbox.dataPlane.settled();
    assert.deepEqual(tally(await pages(`${base}/productpage`, 20)), { v1: 20 });
    await ok("delete", "httproute", "reviews");
    await env.sandbox.dataPlane.settled();
    assert.deepEqual(tally(await pages(`${base}/productpage`, 20)), { v3: 20 });
  });
});
