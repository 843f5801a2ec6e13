import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { KubeObject } from "../../../src/kube.ts";
import { namespace, startCluster, type TestCluster } from "./cluster.ts";

const configMap = (name: string, owners: KubeObject[], extraRefs: object[] = []): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: {
    name,
    namespace: "gc",
    ownerReferences: [
      ...owners.map((o) => ({
        apiVersion: o.apiVersion ?? "",
        kind: o.kind ?? "",
        name: o.metadata.name ?? "",
        uid: o.metadata.uid ?? "",
      })),
      ...(extraRefs as never[]),
    ],
  },
  data: {},
});

describe("garbage collector", () => {
  let c: TestCluster;
  beforeEach(() => {
    c = startCluster();
    c.create(namespace("gc"));
  });
  afterEach(() => c.stop());

  test("a dependent goes with its only owner and keeps living with a remaining one", async () => {
    const a = c.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "owner-a", namespace: "gc" },
    });
    const b = c.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "owner-b", namespace: "gc" },
    });
    c.create(configMap("only-a", [a]));
    c.create(configMap("a-and-b", [a, b]));
    await c.controllers.settled();
    assert.ok(c.store.get("configmaps", "gc", "only-a"), "owners present: nothing collected");

    c.remove("v1", "ConfigMap", "gc", "owner-a");
    await c.waitFor("only-a collected", () => !c.store.get("configmaps", "gc", "only-a"));
    const survivor = await c.waitFor("a-and-b loses the dangling reference", () => {
      const found = c.store.get("configmaps", "gc", "a-and-b");
      return found?.metadata.ownerReferences?.length === 1 && found;
    });
    assert.equal(survivor.metadata.ownerReferences?.[0]?.uid, b.metadata.uid);
  });

  test("an owner created with a uid that no longer exists is collected, unknown kinds are left alone", async () => {
    c.create(
      configMap("dangling", [], [{ apiVersion: "v1", kind: "ConfigMap", name: "ghost", uid: "no-such-uid" }]),
    );
    c.create(
      configMap("foreign", [], [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "u" }]),
    );
    await c.waitFor("dangling collected", () => !c.store.get("configmaps", "gc", "dangling"));
    await c.controllers.settled();
    assert.ok(c.store.get("configmaps", "gc", "foreign"));
  });
});
