import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import {
  applyManifest,
  applyWithIstioctl,
  clusterActions,
  labelNamespace,
  restartDeployments,
} from "../../source/cluster/apply.ts";
import { ClusterError, ForeignObjectError } from "../../source/cluster/errors.ts";
import { manifestPath } from "../../source/cluster/manifests.ts";
import type { KubeObject } from "../../source/model/kube.ts";
import { clusterTestbed, freshNamespace } from "./helpers.ts";

const BOOKINFO_LINES = [
  "service/details serverside-applied",
  "serviceaccount/bookinfo-details serverside-applied",
  "deployment.apps/details-v1 serverside-applied",
  "service/ratings serverside-applied",
  "serviceaccount/bookinfo-ratings serverside-applied",
  "deployment.apps/ratings-v1 serverside-applied",
  "service/reviews serverside-applied",
  "serviceaccount/bookinfo-reviews serverside-applied",
  "deployment.apps/reviews-v1 serverside-applied",
  "deployment.apps/reviews-v2 serverside-applied",
  "deployment.apps/reviews-v3 serverside-applied",
  "service/productpage serverside-applied",
  "serviceaccount/bookinfo-productpage serverside-applied",
  "deployment.apps/productpage-v1 serverside-applied",
];

const bed = clusterTestbed();
const tourIn = (namespace: string) => bed.tourIn(namespace);

async function get<T = KubeObject>(...args: string[]): Promise<T> {
  const result = await bed.kubectl(...args, "-o", "json", "--show-managed-fields");
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

const managers = (object: KubeObject) =>
  (object.metadata.managedFields as { manager: string; operation: string }[]).map(
    (e) => `${e.manager}/${e.operation}`,
  );

describe("applyManifest", () => {
  test("server-side applies every object with our field manager and label, printing kubectl's lines", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    const lines = await applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" });
    assert.deepEqual(lines, BOOKINFO_LINES);

    const deployments = await get<{ items: KubeObject[] }>("-n", namespace, "get", "deployments");
    assert.equal(deployments.items.length, 6);
    for (const deployment of deployments.items) {
      assert.equal(deployment.metadata.labels?.["app.kubernetes.io/managed-by"], "kubectl-bookinfo");
      assert.ok(managers(deployment).includes("kubectl-bookinfo/Apply"), managers(deployment).join());
      // The manifest's own labels are kept.
      assert.ok(deployment.metadata.labels?.app);
    }
    const sa = await get("-n", namespace, "get", "serviceaccount", "bookinfo-details");
    assert.equal(sa.metadata.labels?.["app.kubernetes.io/managed-by"], "kubectl-bookinfo");
  });

  test("re-applying is idempotent: same lines, same objects", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    await applyManifest(cluster, "bookinfo-gateway.yaml", { namespace, networkingVersion: "v1" });
    const first = await get<{ items: KubeObject[] }>("-n", namespace, "get", "gateways,virtualservices");
    const again = await applyManifest(cluster, "bookinfo-gateway.yaml", {
      namespace,
      networkingVersion: "v1",
    });
    assert.deepEqual(again, [
      "gateway.networking.istio.io/bookinfo-gateway serverside-applied",
      "virtualservice.networking.istio.io/bookinfo serverside-applied",
    ]);
    const second = await get<{ items: KubeObject[] }>("-n", namespace, "get", "gateways,virtualservices");
    // What the object says, not its resourceVersion (the sandbox writes even a no-op apply).
    const content = (o: KubeObject) => [
      o.metadata.name,
      o.metadata.generation,
      o.metadata.labels,
      o.spec,
      managers(o),
    ];
    assert.deepEqual(second.items.map(content), first.items.map(content));
  });

  test("writes Istio objects at the networking version the server is said to serve", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    await applyManifest(cluster, "destination-rule-all.yaml", { namespace, networkingVersion: "v1alpha3" });
    const rules = await get<{ items: KubeObject[] }>("-n", namespace, "get", "destinationrules");
    assert.equal(rules.items.length, 4);
    for (const rule of rules.items) {
      const applied = (rule.metadata.managedFields as { manager: string; apiVersion: string }[]).find(
        (e) => e.manager === "kubectl-bookinfo",
      );
      assert.equal(applied?.apiVersion, "networking.istio.io/v1alpha3");
    }
  });

  test("stops before an object it did not make, naming it and its owner; with takeOver, takes it and marks it", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    const file = join(bed.sandbox.dir, `${namespace}-details.yaml`);
    writeFileSync(
      file,
      readFileSync(manifestPath("bookinfo.yaml"), "utf8")
        .split("\n---\n")
        .find((d) => d.includes("name: details-v1"))
        ?.replace("replicas: 1", "replicas: 2") ?? "",
    );
    assert.equal(
      (await bed.kubectl("-n", namespace, "apply", "--server-side", "--field-manager", "someone", "-f", file))
        .code,
      0,
    );
    const applied: string[] = [];
    const refused = await applyManifest(cluster, "bookinfo.yaml", {
      namespace,
      networkingVersion: "v1",
      onApplied: (line) => applied.push(line),
    }).catch((error: unknown) => error);
    assert.ok(refused instanceof ForeignObjectError, String(refused));
    assert.equal(
      refused.message,
      `Deployment details-v1 in namespace ${namespace} exists and was not made by the tour (it is someone's), so it was left as it is and the stage stopped there; to replace it, run again with --take-over (the tour then marks it taken over, and reset leaves it in place)`,
    );
    assert.deepEqual(applied, BOOKINFO_LINES.slice(0, 2), "what came before it was applied, nothing after");
    const untouched = await get<{ spec: { replicas: number } } & KubeObject>(
      "-n",
      namespace,
      "get",
      "deployment",
      "details-v1",
    );
    assert.equal(untouched.spec.replicas, 2);
    assert.ok(
      !managers(untouched).some((m) => m.startsWith("kubectl-bookinfo/")),
      managers(untouched).join(),
    );

    const lines = await applyManifest(cluster, "bookinfo.yaml", {
      namespace,
      networkingVersion: "v1",
      takeOver: true,
    });
    assert.equal(lines[2], "deployment.apps/details-v1 serverside-applied (taken over from someone)");
    const taken = await get<{ spec: { replicas: number } } & KubeObject>(
      "-n",
      namespace,
      "get",
      "deployment",
      "details-v1",
    );
    assert.equal(taken.spec.replicas, 1);
    assert.equal(taken.metadata.annotations?.["kubectl-bookinfo/taken-over-from"], "someone");
    // Applying again keeps the mark: it is still someone's object that the tour took.
    await applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" });
    const again = await get<KubeObject>("-n", namespace, "get", "deployment", "details-v1");
    assert.equal(again.metadata.annotations?.["kubectl-bookinfo/taken-over-from"], "someone");
  });

  test("an object someone else made that already says what ours would is left to them, unchanged", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    assert.equal(
      (await bed.kubectl("-n", namespace, "apply", "-f", manifestPath("destination-rule-all.yaml"))).code,
      0,
    );
    const lines = await applyManifest(cluster, "destination-rule-all.yaml", {
      namespace,
      networkingVersion: "v1",
    });
    assert.deepEqual(lines, [
      "destinationrule.networking.istio.io/productpage unchanged (kubectl-client-side-apply's, left as it is)",
      "destinationrule.networking.istio.io/reviews unchanged (kubectl-client-side-apply's, left as it is)",
      "destinationrule.networking.istio.io/ratings unchanged (kubectl-client-side-apply's, left as it is)",
      "destinationrule.networking.istio.io/details unchanged (kubectl-client-side-apply's, left as it is)",
    ]);
    const reviews = await get<KubeObject>("-n", namespace, "get", "destinationrule", "reviews");
    assert.equal(reviews.metadata.labels?.["app.kubernetes.io/managed-by"], undefined);
  });

  test("edits the objects before sending them (the person's weights)", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    await applyManifest(cluster, "virtual-service-reviews-50-v3.yaml", {
      namespace,
      networkingVersion: "v1",
      edit: (object) => {
        const copy = structuredClone(object);
        (copy.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route[0]!.weight = 90;
        return copy;
      },
    });
    const reviews = await get<{ spec: { http: { route: { weight: number }[] }[] } } & KubeObject>(
      "-n",
      namespace,
      "get",
      "virtualservice",
      "reviews",
    );
    assert.deepEqual(
      reviews.spec.http[0]!.route.map((r) => r.weight),
      [90, 50],
    );
  });
});

describe("labelNamespace", () => {
  test("creates the namespace when needed, sets labels, and null removes ours and others'", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    assert.deepEqual(await labelNamespace(cluster, namespace, { "istio-injection": "enabled" }), [
      `namespace/${namespace} created`,
      `namespace/${namespace} labeled istio-injection=enabled`,
    ]);
    const labelled = await get("get", "namespace", namespace);
    assert.equal(labelled.metadata.labels?.["istio-injection"], "enabled");
    assert.ok(managers(labelled).includes("kubectl-bookinfo/Apply"));

    // Another label of ours is kept when a new one is set.
    await labelNamespace(cluster, namespace, { "istio.io/rev": "canary" });
    assert.deepEqual(Object.keys((await get("get", "namespace", namespace)).metadata.labels ?? {}).sort(), [
      "istio-injection",
      "istio.io/rev",
      "kubernetes.io/metadata.name",
    ]);

    assert.equal((await bed.kubectl("label", "namespace", namespace, "team=payments")).code, 0);
    assert.deepEqual(await labelNamespace(cluster, namespace, { "istio.io/rev": null, team: null }), [
      `namespace/${namespace} unlabeled istio.io/rev`,
      `namespace/${namespace} unlabeled team`,
    ]);
    const after = await get("get", "namespace", namespace);
    assert.deepEqual(after.metadata.labels, {
      "istio-injection": "enabled",
      "kubernetes.io/metadata.name": namespace,
    });
  });
});

describe("restartDeployments", () => {
  test("sets the rollout restart annotation, like kubectl rollout restart, without claiming the object", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    assert.equal(
      (await bed.kubectl("-n", namespace, "create", "deployment", "web", "--image=nginx")).code,
      0,
    );
    const lines = await restartDeployments(cluster, namespace, ["web"]);
    assert.deepEqual(lines, ["deployment.apps/web restarted"]);
    const web = await get<
      KubeObject & { spec: { template: { metadata: { annotations?: Record<string, string> } } } }
    >("-n", namespace, "get", "deployment", "web");
    assert.match(
      web.spec.template.metadata.annotations?.["kubectl.kubernetes.io/restartedAt"] ?? "",
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    assert.ok(!managers(web).some((m) => m.startsWith("kubectl-bookinfo/")));
  });

  test("a deployment that does not exist is one sentence", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    await assert.rejects(restartDeployments(cluster, namespace, ["ghost"]), (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.match(error.message, /^deployments.apps "ghost" was not found in namespace/);
      return true;
    });
  });
});

describe("applyWithIstioctl", () => {
  test("without istioctl on PATH: one sentence", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await assert.rejects(
      applyWithIstioctl(cluster, "bookinfo.yaml", {
        namespace,
        networkingVersion: "v1",
        env: { PATH: bed.sandbox.dir },
      }),
      (error: unknown) => {
        assert.ok(error instanceof ClusterError);
        assert.equal(error.reason, "istioctl");
        assert.match(error.message, /^istioctl is not on PATH; install it/);
        return true;
      },
    );
  });

  test("runs istioctl kube-inject -f <file> without a shell and applies its output", async () => {
    const namespace = freshNamespace();
    const cluster = tourIn(namespace);
    await labelNamespace(cluster, namespace, {});
    // istioctl itself is not on test machines: this stand-in records how it was called and
    // prints the manifest with one injected annotation, as kube-inject would print it.
    const bin = join(bed.sandbox.dir, "bin");
    mkdirSync(bin, { recursive: true });
    const record = join(bed.sandbox.dir, "istioctl-call.txt");
    writeFileSync(
      join(bin, "istioctl"),
      `#!/bin/sh\nprintf '%s\\n' "$@" "KUBECONFIG=$KUBECONFIG" > '${record}'\nsed 's/^metadata:$/metadata:\\n  annotations: {sidecar.istio.io\\/status: injected}/' "$3"\n`,
    );
    chmodSync(join(bin, "istioctl"), 0o755);
    const lines = await applyWithIstioctl(cluster, "bookinfo.yaml", {
      namespace,
      networkingVersion: "v1",
      env: { PATH: `${bin}${delimiter}${process.env.PATH}` },
    });
    assert.deepEqual(lines, BOOKINFO_LINES);
    assert.deepEqual(readFileSync(record, "utf8").trim().split("\n"), [
      "kube-inject",
      "-f",
      manifestPath("bookinfo.yaml"),
      "--context",
      "bookinfo-sandbox",
      `KUBECONFIG=${bed.sandbox.kubeconfig}`,
    ]);
    const productpage = await get("-n", namespace, "get", "deployment", "productpage-v1");
    assert.equal(productpage.metadata.annotations?.["sidecar.istio.io/status"], "injected");
  });
});

test("clusterActions wires the stages' port to these functions", async () => {
  const namespace = freshNamespace();
  const cluster = tourIn(namespace);
  const actions = clusterActions(cluster, namespace, {
    installed: true,
    version: "1.28.1",
    networkingVersion: "v1",
  });
  await actions.labelNamespace({ "istio-injection": "enabled" });
  assert.deepEqual(await actions.applyManifest("bookinfo-gateway.yaml"), [
    "gateway.networking.istio.io/bookinfo-gateway serverside-applied",
    "virtualservice.networking.istio.io/bookinfo serverside-applied",
  ]);
  const ns = await get("get", "namespace", namespace);
  assert.equal(ns.metadata.labels?.["istio-injection"], "enabled");
});
