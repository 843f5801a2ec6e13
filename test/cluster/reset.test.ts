import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { applyManifest, labelNamespace } from "../../source/cluster/apply.ts";
import type { Cluster } from "../../source/cluster/connect.ts";
import { manifestPath } from "../../source/cluster/manifests.ts";
import { resetNamespace } from "../../source/cluster/reset.ts";
import { clusterTestbed, freshNamespace } from "./helpers.ts";

const bed = clusterTestbed();

async function ok(...args: string[]): Promise<string> {
  const result = await bed.kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const names = async (namespace: string, kinds: string) =>
  (await ok("-n", namespace, "get", kinds, "-o", "name")).trim().split("\n").filter(Boolean).sort();

async function tour(namespace: string): Promise<Cluster> {
  const cluster = bed.tourIn(namespace);
  await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
  for (const file of [
    "bookinfo.yaml",
    "bookinfo-gateway.yaml",
    "destination-rule-all.yaml",
    "virtual-service-all-v1.yaml",
  ])
    await applyManifest(cluster, file, { namespace, networkingVersion: "v1" });
  return cluster;
}

test("reset removes what the tour applied, and keeps what the user made", async () => {
  const namespace = freshNamespace();
  const cluster = await tour(namespace);
  const configMap = join(bed.sandbox.dir, `${namespace}-cm.yaml`);
  writeFileSync(
    configMap,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: my-settings\ndata:\n  colour: blue\n`,
  );
  await ok("-n", namespace, "apply", "-f", configMap);
  await ok("-n", namespace, "create", "deployment", "mine", "--image=nginx");

  const report = await resetNamespace(cluster, namespace);
  assert.deepEqual(report.removed, [
    "virtualservice.networking.istio.io/bookinfo deleted",
    "virtualservice.networking.istio.io/details deleted",
    "virtualservice.networking.istio.io/productpage deleted",
    "virtualservice.networking.istio.io/ratings deleted",
    "virtualservice.networking.istio.io/reviews deleted",
    "destinationrule.networking.istio.io/details deleted",
    "destinationrule.networking.istio.io/productpage deleted",
    "destinationrule.networking.istio.io/ratings deleted",
    "destinationrule.networking.istio.io/reviews deleted",
    "gateway.networking.istio.io/bookinfo-gateway deleted",
    "deployment.apps/details-v1 deleted",
    "deployment.apps/productpage-v1 deleted",
    "deployment.apps/ratings-v1 deleted",
    "deployment.apps/reviews-v1 deleted",
    "deployment.apps/reviews-v2 deleted",
    "deployment.apps/reviews-v3 deleted",
    "service/details deleted",
    "service/productpage deleted",
    "service/ratings deleted",
    "service/reviews deleted",
    "serviceaccount/bookinfo-details deleted",
    "serviceaccount/bookinfo-productpage deleted",
    "serviceaccount/bookinfo-ratings deleted",
    "serviceaccount/bookinfo-reviews deleted",
    `namespace/${namespace} unlabeled istio-injection`,
  ]);
  assert.deepEqual(report.kept, [
    `namespace/${namespace}: created by the tour, kept with what is left in it (kubectl delete namespace ${namespace} deletes it and everything in it)`,
    "deployment.apps/mine: kubectl-create's, not applied by the tour",
    "configmap/my-settings: kubectl-client-side-apply's, not applied by the tour",
  ]);

  assert.ok((await names(namespace, "configmaps")).includes("configmap/my-settings"));
  assert.deepEqual(await names(namespace, "deployments"), ["deployment.apps/mine"]);
  assert.deepEqual(await names(namespace, "services"), []);
  assert.deepEqual(await names(namespace, "gateways,virtualservices,destinationrules"), []);
  const labels = JSON.parse(await ok("get", "namespace", namespace, "-o", "jsonpath={.metadata.labels}"));
  assert.equal(labels["istio-injection"], undefined);

  // Nothing of ours is left, so a second reset has nothing to say.
  assert.deepEqual((await resetNamespace(cluster, namespace)).removed, []);
});

test("reset leaves an injection label the user set, and objects applied by hand", async () => {
  const namespace = freshNamespace();
  await ok("create", "namespace", namespace);
  await ok("label", "namespace", namespace, "istio-injection=enabled");
  await ok("-n", namespace, "apply", "-f", manifestPath("bookinfo-gateway.yaml"));
  const cluster = bed.tourIn(namespace);
  await applyManifest(cluster, "destination-rule-all.yaml", { namespace, networkingVersion: "v1" });

  const report = await resetNamespace(cluster, namespace);
  assert.deepEqual(report.removed, [
    "destinationrule.networking.istio.io/details deleted",
    "destinationrule.networking.istio.io/productpage deleted",
    "destinationrule.networking.istio.io/ratings deleted",
    "destinationrule.networking.istio.io/reviews deleted",
  ]);
  // What it leaves of its own kinds and names, it says, and whose they are.
  assert.deepEqual(report.kept, [
    `namespace/${namespace}: reset never deletes a namespace`,
    `namespace/${namespace} label istio-injection=enabled: set by someone else, not the tour`,
    "virtualservice.networking.istio.io/bookinfo: kubectl-client-side-apply's, not applied by the tour",
    "gateway.networking.istio.io/bookinfo-gateway: kubectl-client-side-apply's, not applied by the tour",
  ]);
  assert.deepEqual(await names(namespace, "gateways,virtualservices"), [
    "gateway.networking.istio.io/bookinfo-gateway",
    "virtualservice.networking.istio.io/bookinfo",
  ]);
  const labels = JSON.parse(await ok("get", "namespace", namespace, "-o", "jsonpath={.metadata.labels}"));
  assert.equal(labels["istio-injection"], "enabled");
});

test("reset leaves an object the tour took over, and says whose it was", async () => {
  const namespace = freshNamespace();
  await ok("create", "namespace", namespace);
  await ok("-n", namespace, "apply", "-f", manifestPath("virtual-service-reviews-v3.yaml"));
  const cluster = bed.tourIn(namespace);
  await assert.rejects(
    applyManifest(cluster, "virtual-service-all-v1.yaml", { namespace, networkingVersion: "v1" }),
    /VirtualService reviews in namespace .* exists and was not made by the tour \(it is kubectl-client-side-apply's\)/,
  );
  await applyManifest(cluster, "virtual-service-all-v1.yaml", {
    namespace,
    networkingVersion: "v1",
    takeOver: true,
  });
  const report = await resetNamespace(cluster, namespace);
  assert.deepEqual(report.removed, [
    "virtualservice.networking.istio.io/details deleted",
    "virtualservice.networking.istio.io/productpage deleted",
    "virtualservice.networking.istio.io/ratings deleted",
  ]);
  assert.ok(
    report.kept.includes(
      "virtualservice.networking.istio.io/reviews: the tour took it over from kubectl-client-side-apply; it did not make it",
    ),
    report.kept.join("\n"),
  );
  assert.deepEqual(await names(namespace, "virtualservices"), ["virtualservice.networking.istio.io/reviews"]);
});

test("a label both the user and the tour set stays: the user still owns it", async () => {
  const namespace = freshNamespace();
  await ok("create", "namespace", namespace);
  await ok("label", "namespace", namespace, "istio-injection=enabled");
  const cluster = bed.tourIn(namespace);
  await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
  const report = await resetNamespace(cluster, namespace);
  assert.deepEqual(report.removed, []);
  assert.ok(
    report.kept.includes(`namespace/${namespace} label istio-injection=enabled: set by someone else too`),
    report.kept.join("\n"),
  );
  const labels = JSON.parse(await ok("get", "namespace", namespace, "-o", "jsonpath={.metadata.labels}"));
  assert.equal(labels["istio-injection"], "enabled");
});
