import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { Container, KubeObject, Pod } from "../../../src/kube.ts";
import {
  deployment,
  ISTIO_VERSION,
  isReady,
  namespace,
  resource,
  row,
  startCluster,
  type TestCluster,
} from "./cluster.ts";

const POD = resource("v1", "Pod");
const PROXY_IMAGE = `docker.io/istio/proxyv2:${ISTIO_VERSION}`;

function createPod(
  c: TestCluster,
  ns: string,
  labels: Record<string, string> = {},
  extra: Partial<Pod> = {},
): Pod {
  const body: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `p${Math.random().toString(36).slice(2, 8)}`,
      namespace: ns,
      labels,
      ...extra.metadata,
    },
    spec: { containers: [{ name: "app", image: "nginx", ports: [{ containerPort: 80 }] }], ...extra.spec },
  };
  return c.objects.create(POD, ns, body, { manager: "test" }) as Pod;
}

const names = (containers: Container[] | undefined) => (containers ?? []).map((x) => x.name);
const injected = (p: Pod) => names(p.spec?.containers).includes("istio-proxy");

describe("sidecar injection", () => {
  let c: TestCluster;
  afterEach(() => c.stop());

  test("a pod in an istio-injection=enabled namespace gets Istio's classic sidecar", () => {
    c = startCluster();
    c.create(namespace("mesh", { "istio-injection": "enabled" }));
    const p = createPod(c, "mesh", { app: "details", version: "v1" });

    assert.deepEqual(names(p.spec?.initContainers), ["istio-init"]);
    assert.deepEqual(names(p.spec?.containers), ["app", "istio-proxy"]);
    const init = p.spec?.initContainers?.[0];
    assert.equal(init?.image, PROXY_IMAGE);
    assert.deepEqual(((init?.args ?? []) as string[]).slice(0, 9), [
      "istio-iptables",
      "-p",
      "15001",
      "-z",
      "15006",
      "-u",
      "1337",
      "-m",
      "REDIRECT",
    ]);
    const proxy = p.spec?.containers[1] as Container & {
      readinessProbe: { httpGet: unknown };
      securityContext: { runAsUser: number };
      terminationMessagePath: string;
      env: { name: string; value?: string }[];
    };
    assert.equal(proxy.image, PROXY_IMAGE);
    assert.deepEqual(proxy.ports, [{ name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" }]);
    assert.deepEqual(proxy.readinessProbe.httpGet, { path: "/healthz/ready", port: 15021, scheme: "HTTP" });
    assert.equal(proxy.securityContext.runAsUser, 1337);
    assert.equal(
      proxy.terminationMessagePath,
      "/dev/termination-log",
      "the API server defaults injected containers",
    );
    const env = new Map((proxy.env as { name: string; value?: string }[]).map((e) => [e.name, e.value]));
    assert.equal(env.get("ISTIO_META_APP_CONTAINERS"), "app");
    assert.equal(env.get("ISTIO_META_POD_PORTS"), '[\n    {"containerPort":80,"protocol":"TCP"}\n]');

    const volumes = ((p.spec?.volumes ?? []) as { name: string }[]).map((v) => v.name);
    const status = JSON.parse(p.metadata.annotations?.["sidecar.istio.io/status"] ?? "{}");
    assert.deepEqual(status, {
      initContainers: ["istio-init"],
      containers: ["istio-proxy"],
      volumes,
      imagePullSecrets: null,
      revision: "default",
    });
    assert.equal(volumes.length, 8);
    assert.deepEqual(
      {
        rev: p.metadata.annotations?.["istio.io/rev"],
        container: p.metadata.annotations?.["kubectl.kubernetes.io/default-container"],
        logs: p.metadata.annotations?.["kubectl.kubernetes.io/default-logs-container"],
        port: p.metadata.annotations?.["prometheus.io/port"],
        path: p.metadata.annotations?.["prometheus.io/path"],
        scrape: p.metadata.annotations?.["prometheus.io/scrape"],
      },
      {
        rev: "default",
        container: "app",
        logs: "app",
        port: "15020",
        path: "/stats/prometheus",
        scrape: "true",
      },
    );
    assert.deepEqual(
      {
        tls: p.metadata.labels?.["security.istio.io/tlsMode"],
        name: p.metadata.labels?.["service.istio.io/canonical-name"],
        revision: p.metadata.labels?.["service.istio.io/canonical-revision"],
      },
      { tls: "istio", name: "details", revision: "v1" },
    );
  });

  test("the app's own prometheus settings move to the proxy, which serves merged metrics", () => {
    c = startCluster();
    c.create(namespace("mesh", { "istio-injection": "enabled" }));
    const annotations = {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9080",
      "prometheus.io/path": "/metrics",
    };
    const p = createPod(c, "mesh", { app: "productpage" }, { metadata: { annotations } });
    assert.equal(p.metadata.annotations?.["prometheus.io/port"], "15020");
    const proxy = p.spec?.containers.find((x) => x.name === "istio-proxy");
    const env = ((proxy?.env ?? []) as { name: string; value?: string }[]).find(
      (e) => e.name === "ISTIO_PROMETHEUS_ANNOTATIONS",
    );
    assert.deepEqual(JSON.parse(env?.value ?? "{}"), { scrape: "true", port: "9080", path: "/metrics" });
    assert.equal(p.metadata.labels?.["service.istio.io/canonical-revision"], "latest");
  });

  test("which pods get a sidecar follows the webhook's selectors and Istio's rules", () => {
    c = startCluster();
    c.create(namespace("enabled", { "istio-injection": "enabled" }));
    c.create(namespace("disabled", { "istio-injection": "disabled", "istio.io/rev": "default" }));
    c.create(namespace("rev", { "istio.io/rev": "default" }));
    c.create(namespace("other-rev", { "istio.io/rev": "canary" }));
    c.create(namespace("plain"));

    assert.equal(injected(createPod(c, "enabled")), true);
    assert.equal(
      injected(createPod(c, "enabled", { "sidecar.istio.io/inject": "false" })),
      false,
      "pod label opts out",
    );
    assert.equal(injected(createPod(c, "disabled")), false, "istio-injection wins over istio.io/rev");
    assert.equal(injected(createPod(c, "rev")), true);
    assert.equal(injected(createPod(c, "rev", { "sidecar.istio.io/inject": "false" })), false);
    assert.equal(injected(createPod(c, "other-rev")), false, "no istiod of that revision is installed");
    assert.equal(injected(createPod(c, "plain")), false);
    assert.equal(
      injected(createPod(c, "plain", { "sidecar.istio.io/inject": "true" })),
      true,
      "pod label opts in",
    );
    assert.equal(
      injected(createPod(c, "plain", { "sidecar.istio.io/inject": "true", "istio.io/rev": "canary" })),
      false,
    );
    assert.equal(
      injected(
        createPod(
          c,
          "enabled",
          {},
          { spec: { containers: [{ name: "a", image: "nginx" }], hostNetwork: true } },
        ),
      ),
      false,
    );
    const annotated = createPod(
      c,
      "enabled",
      {},
      { metadata: { annotations: { "sidecar.istio.io/inject": "false" } } },
    );
    assert.equal(injected(annotated), false, "the old annotation is still honoured by the injector");
  });

  test("without the injector webhook nothing is injected, whatever the labels", () => {
    c = startCluster({ webhook: false });
    c.create(namespace("mesh", { "istio-injection": "enabled" }));
    const p = createPod(c, "mesh", { "sidecar.istio.io/inject": "true" });
    assert.deepEqual(names(p.spec?.containers), ["app"]);
    assert.equal(p.spec?.initContainers, undefined);
    assert.equal(p.metadata.annotations?.["sidecar.istio.io/status"], undefined);
  });

  test("pods created before the namespace was labelled keep 1/1 until a restart replaces them", async () => {
    c = startCluster();
    c.create(namespace("bookinfo"));
    c.create(deployment("bookinfo", "details-v1"));
    const before = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    assert.equal(row(before), "1/1 Running");

    c.edit("v1", "Namespace", undefined, "bookinfo", (ns) => {
      ns.metadata.labels = { ...ns.metadata.labels, "istio-injection": "enabled" };
    });
    await c.controllers.settled();
    const still = c.pods("bookinfo");
    assert.equal(still.length, 1);
    assert.equal(still[0]?.metadata.name, before.metadata.name);
    assert.equal(row(still[0] as Pod), "1/1 Running", "nothing re-injects a running pod");

    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
      const template = (d.spec as { template: { metadata: { annotations?: Record<string, string> } } })
        .template;
      template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": new Date().toISOString() };
    });
    const after = await c.waitFor("only the restarted pod left", () => {
      const pods = c.pods("bookinfo");
      return (
        pods.length === 1 && pods[0]?.metadata.name !== before.metadata.name && isReady(pods[0]) && pods[0]
      );
    });
    assert.equal(row(after), "2/2 Running");
    assert.ok(injected(after));
  });

  test("injection happens at CREATE only: updating a pod never adds a sidecar", () => {
    c = startCluster();
    c.create(namespace("mesh"));
    const p = createPod(c, "mesh");
    c.edit("v1", "Namespace", undefined, "mesh", (ns) => {
      ns.metadata.labels = { ...ns.metadata.labels, "istio-injection": "enabled" };
    });
    const updated = c.edit("v1", "Pod", "mesh", p.metadata.name ?? "", (o) => {
      o.metadata.labels = { touched: "yes" };
    }) as Pod;
    assert.deepEqual(names(updated.spec?.containers), ["app"]);
  });
});
