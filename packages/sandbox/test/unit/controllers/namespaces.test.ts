import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { deployment, namespace, recordRows, service, startCluster, type TestCluster } from "./cluster.ts";

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe("namespace and serviceaccount controllers", () => {
  let c: TestCluster;
  beforeEach(() => {
    c = startCluster();
  });
  afterEach(() => c.stop());

  test("every new namespace gets a default ServiceAccount, recreated if deleted", async () => {
    c.create(namespace("fresh"));
    await c.waitFor("default SA", () => c.store.get("serviceaccounts", "fresh", "default"));
    c.remove("v1", "ServiceAccount", "fresh", "default");
    await c.waitFor("default SA again", () => c.store.get("serviceaccounts", "fresh", "default"));
  });

  test("deleting a namespace empties it, pods gracefully, then removes it", async () => {
    c.create(namespace("bookinfo", { "istio-injection": "enabled" }));
    c.create(service("bookinfo", "details"));
    c.create(deployment("bookinfo", "details-v1"));
    const pod = await c.waitFor("a ready pod", () =>
      c.pods("bookinfo").find((p) => p.status?.phase === "Running"),
    );
    const events = recordRows(c.store, "bookinfo");

    c.remove("v1", "Namespace", undefined, "bookinfo");
    const terminating = c.store.get("namespaces", undefined, "bookinfo");
    assert.equal((terminating?.status as { phase: string } | undefined)?.phase, "Terminating");

    await c.waitFor("the namespace gone", () => !c.store.get("namespaces", undefined, "bookinfo"));
    events.stop();
    for (const key of [
      "pods",
      "services",
      "endpoints",
      "deployments.apps",
      "replicasets.apps",
      "serviceaccounts",
    ]) {
      assert.deepEqual(c.store.list(key, "bookinfo"), [], key);
    }
    const rows = events.rows.get(pod.metadata.name ?? "") ?? [];
    assert.ok(
      rows.some((r) => r.endsWith("Terminating")),
      rows.join(", "),
    );
    assert.equal(rows.at(-1), "<deleted>");
  });

  test("a namespace whose content cannot go stays Terminating and says what remains", async () => {
    c.create(namespace("stuck"));
    c.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "pinned", namespace: "stuck" },
      spec: { nodeName: "a-lost-node", containers: [{ name: "app", image: "nginx" }] },
    });
    c.remove("v1", "Namespace", undefined, "stuck");
    const ns = await c.waitFor("remaining-content condition", () => {
      const found = c.store.get("namespaces", undefined, "stuck");
      const conditions = (found?.status as { conditions?: Condition[] } | undefined)?.conditions;
      return conditions?.some((x) => x.type === "NamespaceContentRemaining") && found;
    });
    await c.controllers.settled();
    assert.ok(c.store.get("namespaces", undefined, "stuck"), "still there");
    const conditions = (ns.status as { conditions: Condition[] }).conditions;
    const remaining = conditions.find((x) => x.type === "NamespaceContentRemaining");
    assert.deepEqual(
      [remaining?.status, remaining?.reason, remaining?.message],
      ["True", "SomeResourcesRemain", "Some resources are remaining: pods. has 1 resource instances"],
    );
    assert.ok(c.store.get("pods", "stuck", "pinned")?.metadata.deletionTimestamp);
  });
});
