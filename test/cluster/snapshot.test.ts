import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyManifest, labelNamespace } from "../../source/cluster/apply.ts";
import { detectIstio } from "../../source/cluster/istio.ts";
import { loadSnapshot } from "../../source/cluster/snapshot.ts";
import { TourSession } from "../../source/engine/tourSession.ts";
import { stageChecks } from "../../source/tutorial/lessons.ts";
import { clusterTestbed, freshNamespace } from "./helpers.ts";

const bed = clusterTestbed();
const tourIn = (namespace: string) => bed.tourIn(namespace);

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
    assert.equal(snapshot.server, bed.sandbox.sandbox.server);
    assert.equal(snapshot.namespaceObject, null);
    assert.deepEqual(
      [snapshot.pods, snapshot.deployments, snapshot.services, snapshot.gateways],
      [[], [], [], []],
    );
    assert.equal(snapshot.istio.installed, true);
    assert.equal(snapshot.ingressService?.metadata.name, "istio-ingressgateway");
    assert.equal(snapshot.ingressPods.length, 1);
    assert.deepEqual(snapshot.gateway, {
      url: `http://127.0.0.1:${bed.sandbox.sandbox.ingress.httpNodePort}`,
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

    const listed = await bed.kubectl("-n", namespace, "get", "pods,deployments,services", "-o", "name");
    const ours = [
      ...snapshot.pods.map((o) => `pod/${o.metadata.name}`),
      ...snapshot.deployments.map((o) => `deployment.apps/${o.metadata.name}`),
      ...snapshot.services.map((o) => `service/${o.metadata.name}`),
    ];
    assert.deepEqual(ours.sort(), listed.stdout.trim().split("\n").sort());
  });
});

test("status's one round of lists and the tour's watches build the same snapshot", async () => {
  const namespace = freshNamespace();
  const cluster = tourIn(namespace);
  await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
  for (const file of ["bookinfo.yaml", "bookinfo-gateway.yaml", "destination-rule-all.yaml"]) {
    await applyManifest(cluster, file, { namespace, networkingVersion: "v1" });
  }
  const session = await TourSession.open({ kubeconfig: bed.sandbox.kubeconfig, namespace });
  try {
    await session.start();
    // Compared once the pods have settled: while they start, two reads a moment apart differ.
    const settled = await session.waitFor((s) => stageChecks(s)[1]?.check.state === "done", 30_000);
    assert.ok(settled, "Bookinfo never came up");
    const listed = await loadSnapshot(tourIn(namespace));
    const watched = session.snapshot();
    const names = (s: typeof listed) => ({
      namespace: s.namespaceObject?.metadata.name,
      istio: s.istio,
      ingressService: s.ingressService?.metadata.name,
      gateway: s.gateway,
      ...Object.fromEntries(
        (
          [
            "pods",
            "deployments",
            "services",
            "gateways",
            "virtualServices",
            "destinationRules",
            "ingressPods",
          ] as const
        ).map((field) => [field, s[field].map((o) => o.metadata.name).sort()]),
      ),
    });
    assert.deepEqual(names(watched), names(listed));
    assert.deepEqual(
      stageChecks(watched).map((r) => r.check.state),
      stageChecks(listed).map((r) => r.check.state),
    );
  } finally {
    await session.stop();
  }
});
