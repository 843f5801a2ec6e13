import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { imageID, isPreloaded, normalizeImage } from "../../../src/controllers/images.ts";
import { selectorMatches } from "../../../src/controllers/labelSelector.ts";
import { qosClass } from "../../../src/controllers/podRun.ts";
import { deletionOrder } from "../../../src/controllers/replicasets.ts";
import {
  type Deployment,
  fenceposts,
  maxUnavailable,
  newReplicaSetReplicas,
  type ReplicaSet,
  sameTemplate,
} from "../../../src/controllers/rollout.ts";
import { canonicalJson, podTemplateHash } from "../../../src/controllers/templateHash.ts";
import type { Pod } from "../../../src/kube.ts";

const template = {
  metadata: { labels: { app: "details" } },
  spec: { containers: [{ name: "details", image: "x" }] },
};
const dep = (replicas: number, maxSurge?: string | number, maxUnavail?: string | number): Deployment => ({
  metadata: { name: "d" },
  spec: {
    replicas,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable: maxUnavail } },
  },
});
const rs = (replicas: number): ReplicaSet => ({ metadata: {}, spec: { replicas } });

describe("pod-template-hash", () => {
  test("is stable, key-order independent, and uses Kubernetes' ten hash characters", () => {
    const hash = podTemplateHash(template);
    assert.match(hash, /^[4-9bcdf]{8,10}$/);
    assert.equal(podTemplateHash(structuredClone(template)), hash);
    assert.equal(podTemplateHash({ spec: template.spec, metadata: template.metadata }), hash);
    assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  });

  test("changes with the template and with the collision count", () => {
    const restarted = structuredClone(template) as typeof template & { metadata: { annotations?: object } };
    restarted.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "now" };
    assert.notEqual(podTemplateHash(restarted), podTemplateHash(template));
    assert.notEqual(podTemplateHash(template, 1), podTemplateHash(template));
  });

  test("sameTemplate ignores the hash label a ReplicaSet adds", () => {
    const labelled = structuredClone(template) as { metadata: { labels: Record<string, string> } };
    labelled.metadata.labels["pod-template-hash"] = "abc";
    assert.ok(sameTemplate(labelled, template));
    assert.ok(!sameTemplate({ ...template, spec: { containers: [] } }, template));
  });
});

describe("rolling update arithmetic", () => {
  test("maxSurge rounds up, maxUnavailable rounds down, and both zero means one unavailable", () => {
    assert.deepEqual(fenceposts(dep(1, "25%", "25%")), { surge: 1, unavailable: 0 });
    assert.deepEqual(fenceposts(dep(10, "25%", "25%")), { surge: 3, unavailable: 2 });
    assert.deepEqual(fenceposts(dep(4, 0, 0)), { surge: 0, unavailable: 1 });
    assert.equal(maxUnavailable(dep(0, "25%", "100%")), 0);
    assert.equal(maxUnavailable(dep(2, 0, 5)), 2);
  });

  test("the new ReplicaSet grows only within replicas + maxSurge", () => {
    const d = dep(1, "25%", "25%");
    const old = rs(1);
    assert.equal(newReplicaSetReplicas(d, [old], undefined), 1);
    const fresh = rs(1);
    assert.equal(newReplicaSetReplicas(d, [old, fresh], fresh), 1);
    const three = dep(3, 0, 1);
    const start = rs(0);
    assert.equal(newReplicaSetReplicas(three, [rs(3), start], start), 0, "no surge: wait for old pods to go");
  });
});

describe("helpers", () => {
  test("label selectors follow metav1 semantics", () => {
    const labels = { app: "reviews", version: "v2" };
    assert.ok(selectorMatches(undefined, labels));
    assert.ok(selectorMatches({ matchLabels: { app: "reviews" } }, labels));
    assert.ok(!selectorMatches({ matchLabels: { app: "details" } }, labels));
    assert.ok(
      selectorMatches(
        { matchExpressions: [{ key: "version", operator: "In", values: ["v1", "v2"] }] },
        labels,
      ),
    );
    assert.ok(
      selectorMatches(
        { matchExpressions: [{ key: "sidecar.istio.io/inject", operator: "NotIn", values: ["false"] }] },
        labels,
      ),
    );
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, labels));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: "x", operator: "Exists" }] }, labels));
  });

  test("images are reported fully qualified, with a digest per image", () => {
    assert.equal(normalizeImage("nginx"), "docker.io/library/nginx:latest");
    assert.equal(normalizeImage("istio/proxyv2:1.28.1"), "docker.io/istio/proxyv2:1.28.1");
    assert.equal(normalizeImage("localhost:5000/app"), "localhost:5000/app:latest");
    assert.match(imageID("nginx"), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.equal(imageID("nginx"), imageID("docker.io/library/nginx:latest"));
    assert.equal(imageID("busybox@sha256:abc"), "docker.io/library/busybox@sha256:abc");
    assert.ok(isPreloaded("docker.io/istio/proxyv2:1.28.1"));
    assert.ok(isPreloaded("gcr.io/istio-release/pilot:1.28.1"));
    assert.ok(!isPreloaded("registry.istio.io/release/examples-bookinfo-details-v1:1.20.3"));
  });

  test("scale-down victims: unscheduled, then pending, then not ready, then newest", () => {
    const p = (
      name: string,
      nodeName: string | undefined,
      phase: string,
      ready: boolean,
      created: string,
    ): Pod => ({
      metadata: { name, creationTimestamp: created },
      spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
      status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    });
    const pods = [
      p("old-ready", "n", "Running", true, "2025-01-01T00:00:00Z"),
      p("new-ready", "n", "Running", true, "2025-01-02T00:00:00Z"),
      p("running-unready", "n", "Running", false, "2025-01-01T00:00:00Z"),
      p("pending", "n", "Pending", false, "2025-01-01T00:00:00Z"),
      p("unscheduled", undefined, "Pending", false, "2025-01-01T00:00:00Z"),
    ];
    assert.deepEqual(
      pods.sort(deletionOrder).map((x) => x.metadata.name),
      ["unscheduled", "pending", "running-unready", "new-ready", "old-ready"],
    );
  });

  test("QoS class follows the containers' requests and limits", () => {
    const withResources = (resources: object): Pod => ({
      metadata: {},
      spec: { containers: [{ name: "a", resources }] },
    });
    assert.equal(qosClass(withResources({})), "BestEffort");
    assert.equal(qosClass(withResources({ requests: { cpu: "10m" } })), "Burstable");
    assert.equal(qosClass(withResources({ limits: { cpu: "1", memory: "1Gi" } })), "Guaranteed");
  });
});
