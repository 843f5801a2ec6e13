import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { appliedLabels, hasManager, isOurs } from "../../../source/cluster/managedFields.ts";
import { labelChanges } from "../../../source/cluster/namespaceLabels.ts";
import type { KubeObject } from "../../../source/model/kube.ts";

const entry = (manager: string, operation: string, labels: string[] = []) => ({
  manager,
  operation,
  apiVersion: "v1",
  fieldsType: "FieldsV1",
  fieldsV1: {
    "f:metadata": { "f:labels": Object.fromEntries([[".", {}], ...labels.map((l) => [`f:${l}`, {}])]) },
  },
});

const object = (labels: Record<string, string>, managedFields: unknown[]): KubeObject => ({
  metadata: { name: "x", labels, managedFields },
});

describe("ownership", () => {
  test("our label or our field manager makes an object ours", () => {
    assert.equal(isOurs(object({ "app.kubernetes.io/managed-by": "kubectl-bookinfo" }, [])), true);
    assert.equal(isOurs(object({}, [entry("kubectl-bookinfo", "Apply")])), true);
    assert.equal(
      isOurs(
        object({ "app.kubernetes.io/managed-by": "Helm" }, [entry("kubectl-client-side-apply", "Update")]),
      ),
      false,
    );
    assert.equal(isOurs({ metadata: { name: "bare" } }), false);
  });

  test("a restart by us (another manager name) does not make an object ours", () => {
    assert.equal(isOurs(object({}, [entry("kubectl-bookinfo-rollout", "Update")])), false);
    assert.equal(
      hasManager(object({}, [entry("kubectl-bookinfo-rollout", "Update")]), "kubectl-bookinfo-rollout"),
      true,
    );
  });

  test("appliedLabels: the label keys our Apply entry owns, not other managers' or updates'", () => {
    const ns = object({ "istio-injection": "enabled", team: "a", "kubernetes.io/metadata.name": "x" }, [
      entry("kube-apiserver", "Update", ["kubernetes.io/metadata.name"]),
      entry("kubectl-label", "Update", ["team"]),
      entry("kubectl-bookinfo", "Update", ["team"]),
      entry("kubectl-bookinfo", "Apply", ["istio-injection"]),
    ]);
    assert.deepEqual(appliedLabels(ns), ["istio-injection"]);
    assert.deepEqual(appliedLabels(object({}, [])), []);
  });
});

test("labelChanges lists label changes the way kubectl reports them", () => {
  assert.deepEqual(labelChanges("bookinfo", { a: "1", b: "2" }, { a: "1", c: "3" }), [
    "namespace/bookinfo labeled c=3",
    "namespace/bookinfo unlabeled b",
  ]);
  assert.deepEqual(
    labelChanges("bookinfo", {}, { "kubernetes.io/metadata.name": "bookinfo", x: "y" }, true),
    ["namespace/bookinfo created", "namespace/bookinfo labeled x=y"],
  );
});
