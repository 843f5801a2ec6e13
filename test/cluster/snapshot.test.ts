import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { applyManifest, labelNamespace } from "../../source/cluster/apply.ts";
import type { Cluster } from "../../source/cluster/connect.ts";
import { detectIstio } from "../../source/cluster/istio.ts";
import { loadSnapshot } from "../../source/cluster/snapshot.ts";
import { type Kubectl, kubectlFor } from "../support/kubectl.ts";
import { openSandbox, type TestSandbox } from "../support/sandbox.ts";
import { clusterFor, freshNamespace } from "./helpers.ts";

let sandbox: TestSandbox;
let kubectl: Kubectl;
const clusters: Cluster[] = [];

before(async () => {
  sandbox = await openSandbox({ speed: 20 });
  kubectl = kubectlFor(sandbox.kubeconfig);
});
after(async () => {
  await Promise.all(clusters.map((c) => c.close()));
  await sandbox.close();
});

function tourIn(namespace: string): Cluster {
  const cluster = clusterFor(sandbox, namespace);
  clusters.push(cluster);
  return cluster;
}

test("detectIstio reads the sandbox's Istio like a real install", async () => {
  const istio = await detectIstio(tourIn("default"));
  assert.deepEqual(istio, { installed: true, version: "1.28.1", networkingVersion: "v1", ambient: false });
});

describe("loadSnapshot", () => {
  test("a namespace that does not exist yet: nothing in it, the gateway address known", async () => {
    const namespace = freshNamespace();
    const snapshot = await loadSnapshot(tourIn(namespace));
    assert.equal(snapshot.namespace, namespace);
    assert.equal(snapshot.context, "bookinfo-sandbox");
    assert.equal(snapshot.server, sandbox.sandbox.server);
    assert.equal(snapshot.namespaceObject, null);
    assert.deepEqual(
      [snapshot.pods, snapshot.deployments, snapshot.services, snapshot.gateways],
      [[], [], [], []],
    );
    assert.equal(snapshot.istio.installed, true);
    assert.equal(snapshot.ingressService?.metadata.name, "istio-ingressgateway");
    assert.equal(snapshot.ingressPods.length, 1);
    assert.deepEqual(snapshot.gateway, {
      url: `http://127.0.0.1:${sandbox.sandbox.ingress.httpNodePort}`,
      source: "NodePort",
    });
  });

  test("--gateway-url wins", async () => {
    const snapshot = await loadSnapshot(tourIn(freshNamespace()), undefined, {
      gatewayUrl: "localhost:8080",
    });
    assert.deepEqual(snapshot.gateway, { url: "http://localhost:8080", source: "flag" });
  });

  test("sees what is in the namespace, with kind and apiVersion on every item, as kubectl lists it", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
    for (const file of [
      "bookinfo.yaml",
      "bookinfo-gateway.yaml",
      "destination-rule-all.yaml",
      "virtual-service-all-v1.yaml",
    ])
      await applyManifest(cluster, file, { namespace, networkingVersion: "v1" });
    const snapshot = await loadSnapshot(cluster);
    assert.equal(snapshot.namespaceObject?.metadata.labels?.["istio-injection"], "enabled");
    assert.equal(snapshot.deployments.length, 6);
    assert.equal(snapshot.services.length, 4);
    assert.equal(snapshot.gateways.length, 1);
    assert.equal(snapshot.virtualServices.length, 5);
    assert.equal(snapshot.destinationRules.length, 4);
    assert.equal(snapshot.deployments[0]?.kind, "Deployment");
    assert.equal(snapshot.deployments[0]?.apiVersion, "apps/v1");
    assert.equal(snapshot.virtualServices[0]?.apiVersion, "networking.istio.io/v1");

    const listed = await kubectl("-n", namespace, "get", "pods,deployments,services", "-o", "name");
    const ours = [
      ...snapshot.pods.map((o) => `pod/${o.metadata.name}`),
      ...snapshot.deployments.map((o) => `deployment.apps/${o.metadata.name}`),
      ...snapshot.services.map((o) => `service/${o.metadata.name}`),
    ];
    assert.deepEqual(ours.sort(), listed.stdout.trim().split("\n").sort());
  });

  test("answers at least as fast as kubectl listing the same kinds (in-process, medians of 5)", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    await applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" });
    const time = async (run: () => Promise<unknown>) => {
      const started = performance.now();
      await run();
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < 5; i++) {
      // A fresh connection each time, as a `status` process has.
      const fresh = clusterFor(sandbox, namespace);
      ours.push(await time(() => loadSnapshot(fresh)));
      await fresh.close();
      theirs.push(
        await time(() =>
          kubectl(
            "-n",
            namespace,
            "get",
            "pods,services,gateways,virtualservices,destinationrules",
            "-o",
            "json",
          ),
        ),
      );
    }
    assert.ok(
      median(ours) < 2 * median(theirs),
      `loadSnapshot ${median(ours)} ms vs kubectl ${median(theirs)} ms`,
    );
  });
});
