import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonMergePatch, PatchError, strategicMergePatch } from "../../../src/api/patch.ts";
import {
  STRATEGIC_MERGE_UNSUPPORTED,
  schemaFor,
  supportsStrategicMerge,
} from "../../../src/api/patch-meta.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

function deployment() {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "details-v1",
      namespace: "default",
      labels: { app: "details", version: "v1" },
      annotations: { [LAST_APPLIED]: '{"old":true}\n', "deployment.kubernetes.io/revision": "1" },
      finalizers: ["a.example.com/x", "b.example.com/y"],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "details", version: "v1" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: "details", version: "v1" } },
        spec: {
          serviceAccountName: "bookinfo-details",
          containers: [
            {
              name: "details",
              image: "docker.io/istio/examples-bookinfo-details-v1:1.20.2",
              imagePullPolicy: "IfNotPresent",
              ports: [{ containerPort: 9080, protocol: "TCP" }],
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "2" },
              ],
              args: ["--one", "--two"],
              volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            },
            { name: "istio-proxy", image: "docker.io/istio/proxyv2:1.24.0" },
          ],
          tolerations: [{ key: "a", operator: "Exists" }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      },
    },
    status: { replicas: 1, conditions: [{ type: "Available", status: "True" }] },
  };
}

type Deployment = ReturnType<typeof deployment>;
const smp = (patch: unknown, target: unknown = deployment()) =>
  strategicMergePatch(target, patch, schemaFor("Deployment")) as unknown as Deployment;
const containers = (d: Deployment) => d.spec.template.spec.containers;

describe("jsonMergePatch (RFC 7386)", () => {
  it("merges objects, deletes on null, replaces arrays and scalars", () => {
    const target = { a: "b", c: { d: "e", f: "g" }, list: [1, 2], keep: true };
    const patched = jsonMergePatch(target, { a: "z", c: { f: null, h: "i" }, list: [3], n: null });
    assert.deepEqual(patched, { a: "z", c: { d: "e", h: "i" }, list: [3], keep: true });
  });

  it("replaces the whole document with a non-object patch, and builds objects from nothing", () => {
    assert.deepEqual(jsonMergePatch({ a: 1 }, ["x"]), ["x"]);
    assert.deepEqual(jsonMergePatch("text", { a: { b: null, c: 1 } }), { a: { c: 1 } });
  });

  it("treats {} as a no-op and never changes its inputs", () => {
    const target = deployment();
    const before = structuredClone(target);
    assert.deepEqual(jsonMergePatch(target, {}), before);
    const patch = { metadata: { labels: { "istio-injection": "enabled" } } };
    const patched = jsonMergePatch(target, patch) as Deployment;
    assert.deepEqual(target, before);
    assert.deepEqual(patch, { metadata: { labels: { "istio-injection": "enabled" } } });
    assert.equal((patched.metadata.labels as Record<string, string>)["istio-injection"], "enabled");
    assert.equal(patched.metadata.labels.app, "details");
  });

  it("does not let a __proto__ key reach the prototype", () => {
    const patched = jsonMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<
      string,
      unknown
    >;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.getPrototypeOf(patched), Object.prototype);
    assert.deepEqual(Object.keys(patched), ["__proto__"]);
  });
});

describe("strategicMergePatch", () => {
  it("applies kubectl's client-side apply update patch ($setElementOrder and the annotation)", () => {
    const lastApplied = '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"details-v1"}}\n';
    const patch = {
      metadata: { annotations: { [LAST_APPLIED]: lastApplied } },
      spec: {
        replicas: 2,
        template: {
          spec: {
            "$setElementOrder/containers": [{ name: "details" }],
            containers: [{ image: "docker.io/istio/examples-bookinfo-details-v1:1.20.3", name: "details" }],
          },
        },
      },
    };
    const patched = smp(patch);
    assert.equal(patched.metadata.annotations[LAST_APPLIED], lastApplied);
    assert.equal(patched.metadata.annotations["deployment.kubernetes.io/revision"], "1");
    assert.equal(patched.spec.replicas, 2);
    const [details, proxy] = containers(patched);
    assert.equal(details?.image, "docker.io/istio/examples-bookinfo-details-v1:1.20.3");
    assert.deepEqual(
      details?.env,
      deployment().spec.template.spec.containers[0]?.env,
      "other fields of the item stay",
    );
    assert.equal(proxy?.name, "istio-proxy", "an item the patch does not mention stays");
    assert.deepEqual(patched.status, deployment().status);
    assert.doesNotMatch(JSON.stringify(patched), /\$setElementOrder|\$patch/);
  });

  it("treats {} as a no-op", () => {
    assert.deepEqual(smp({}), deployment());
  });

  it("merges the nested keyed lists by their keys: env by name, ports by containerPort, mounts by path", () => {
    const patched = smp({
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: "details",
                env: [
                  { name: "B", value: "20" },
                  { name: "C", value: "3" },
                ],
                ports: [{ containerPort: 9080, name: "http" }, { containerPort: 15090 }],
                volumeMounts: [{ mountPath: "/tmp", readOnly: true }],
              },
            ],
          },
        },
      },
    });
    const details = containers(patched)[0]!;
    assert.deepEqual(details.env, [
      { name: "A", value: "1" },
      { name: "B", value: "20" },
      { name: "C", value: "3" },
    ]);
    assert.deepEqual(details.ports, [
      { containerPort: 9080, protocol: "TCP", name: "http" },
      { containerPort: 15090 },
    ]);
    assert.deepEqual(details.volumeMounts, [{ name: "tmp", mountPath: "/tmp", readOnly: true }]);
  });

  it("replaces lists Kubernetes does not merge: args, command, tolerations", () => {
    const patched = smp({
      spec: {
        template: {
          spec: {
            tolerations: [{ key: "b", operator: "Exists" }],
            containers: [{ name: "details", args: ["--three"] }],
          },
        },
      },
    });
    assert.deepEqual(patched.spec.template.spec.tolerations, [{ key: "b", operator: "Exists" }]);
    assert.deepEqual(containers(patched)[0]?.args, ["--three"]);
  });

  it("deletes keys set to null and list items marked $patch: delete", () => {
    const patched = smp({
      metadata: { labels: { version: null } },
      spec: {
        template: {
          spec: {
            containers: [
              { name: "istio-proxy", $patch: "delete" },
              { name: "details", env: [{ name: "A", $patch: "delete" }], imagePullPolicy: null },
            ],
          },
        },
      },
    });
    assert.deepEqual(patched.metadata.labels, { app: "details" });
    assert.deepEqual(
      containers(patched).map((c) => c.name),
      ["details"],
    );
    assert.deepEqual(containers(patched)[0]?.env, [{ name: "B", value: "2" }]);
    assert.equal("imagePullPolicy" in containers(patched)[0]!, false);
  });

  it("replaces a list or a map marked $patch: replace", () => {
    const patched = smp({
      spec: {
        selector: { $patch: "replace", matchLabels: { app: "details" } },
        template: { spec: { containers: [{ $patch: "replace" }, { name: "only", image: "x" }] } },
      },
    });
    assert.deepEqual(patched.spec.selector, { matchLabels: { app: "details" } });
    assert.deepEqual(containers(patched), [{ name: "only", image: "x" }]);
  });

  it("empties a map marked $patch: delete", () => {
    const patched = smp({ spec: { strategy: { $patch: "delete" } } });
    assert.deepEqual(patched.spec.strategy, {});
  });

  it("keeps only the $retainKeys of a map (switching strategy to Recreate)", () => {
    const patched = smp({
      spec: { strategy: { $retainKeys: ["type"], rollingUpdate: null, type: "Recreate" } },
    });
    assert.deepEqual(patched.spec.strategy, { type: "Recreate" });
    const volumes = smp({
      spec: {
        template: {
          spec: { volumes: [{ name: "tmp", $retainKeys: ["configMap", "name"], configMap: { name: "cm" } }] },
        },
      },
    }).spec.template.spec.volumes;
    assert.deepEqual(volumes, [{ name: "tmp", configMap: { name: "cm" } }]);
  });

  it("merges finalizers as a set, with $deleteFromPrimitiveList and $setElementOrder", () => {
    const patched = smp({
      metadata: {
        "$setElementOrder/finalizers": ["c.example.com/z", "a.example.com/x"],
        "$deleteFromPrimitiveList/finalizers": ["b.example.com/y"],
        finalizers: ["c.example.com/z"],
      },
    });
    assert.deepEqual(patched.metadata.finalizers, ["c.example.com/z", "a.example.com/x"]);
    const added = smp({ metadata: { finalizers: ["a.example.com/x", "d.example.com/w"] } });
    // As in Kubernetes, a new item lands before live-only items that it cannot be placed against.
    assert.deepEqual(added.metadata.finalizers, ["a.example.com/x", "d.example.com/w", "b.example.com/y"]);
  });

  it("orders by $setElementOrder and keeps server-only items where they were", () => {
    const pod = {
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "a" }, { name: "istio-proxy" }, { name: "b" }] },
    };
    const patched = strategicMergePatch(
      pod,
      {
        spec: {
          "$setElementOrder/containers": [{ name: "b" }, { name: "a" }, { name: "c" }],
          containers: [{ name: "c" }],
        },
      },
      "Pod",
    ) as typeof pod;
    assert.deepEqual(
      patched.spec.containers.map((c) => c.name),
      ["istio-proxy", "b", "a", "c"],
    );
  });

  it("merges service ports by port, conditions by type and ownerReferences by uid", () => {
    const service = {
      kind: "Service",
      metadata: { name: "s", ownerReferences: [{ uid: "1", name: "a" }] },
      spec: { ports: [{ port: 9080, name: "http", targetPort: 9080 }] },
      status: { conditions: [{ type: "A", status: "False" }] },
    };
    const patched = strategicMergePatch(
      service,
      {
        metadata: { ownerReferences: [{ uid: "1", name: "renamed" }] },
        spec: { ports: [{ port: 9080, targetPort: 9081 }] },
        status: { conditions: [{ type: "B", status: "True" }] },
      },
      "Service",
    );
    assert.deepEqual(patched, {
      kind: "Service",
      metadata: { name: "s", ownerReferences: [{ uid: "1", name: "renamed" }] },
      spec: { ports: [{ port: 9080, name: "http", targetPort: 9081 }] },
      status: {
        conditions: [
          { type: "B", status: "True" },
          { type: "A", status: "False" },
        ],
      },
    });
  });

  it("falls back to merge-patch semantics for kinds without patch metadata", () => {
    const vs = {
      kind: "VirtualService",
      metadata: { name: "r" },
      spec: { hosts: ["reviews"], http: [{ route: [1] }] },
    };
    const patched = strategicMergePatch(
      vs,
      { spec: { http: [{ route: [2] }] } },
      schemaFor("VirtualService"),
    );
    assert.deepEqual(patched, {
      kind: "VirtualService",
      metadata: { name: "r" },
      spec: { hosts: ["reviews"], http: [{ route: [2] }] },
    });
  });

  it("refuses a keyed item without its merge key", () => {
    assert.throws(
      () => smp({ spec: { template: { spec: { containers: [{ image: "x" }] } } } }),
      (error: unknown) =>
        error instanceof PatchError &&
        error.status === 500 &&
        error.message === "map: map[image:x] does not contain declared merge key: name",
    );
    assert.throws(() => smp([1]), { name: "PatchError", message: "invalid JSON document" });
  });

  it("does not change the target", () => {
    const target = deployment();
    smp(
      {
        metadata: { labels: { version: null } },
        spec: { template: { spec: { containers: [{ name: "details", image: "y" }] } } },
      },
      target,
    );
    assert.deepEqual(target, deployment());
  });
});

describe("supportsStrategicMerge", () => {
  it("is true for built-in groups and false for custom resources", () => {
    assert.equal(supportsStrategicMerge("v1"), true);
    assert.equal(supportsStrategicMerge("apps/v1"), true);
    assert.equal(supportsStrategicMerge("admissionregistration.k8s.io/v1"), true);
    assert.equal(supportsStrategicMerge("networking.istio.io/v1"), false);
    assert.equal(supportsStrategicMerge("gateway.networking.k8s.io/v1"), false);
    assert.match(STRATEGIC_MERGE_UNSUPPORTED, /^the body of the request was in an unknown format/);
  });
});
