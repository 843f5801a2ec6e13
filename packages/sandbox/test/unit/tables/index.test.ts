import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { resourceTypeOf } from "../../../src/crd/catalog.ts";
import type { CustomResourceDefinition } from "../../../src/crd/types.ts";
import { istioCrds } from "../../../src/istio/crds.ts";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import { printerFor, toTable } from "../../../src/tables/index.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

const pod: Pod = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: {
    name: "details-v1-79dfbd6fff-8mtlb",
    namespace: "default",
    labels: { app: "details", version: "v1" },
    uid: "4a1f",
    creationTimestamp: "2025-06-01T11:59:00Z",
  },
  spec: { containers: [{ name: "details" }] },
  status: {
    phase: "Running",
    containerStatuses: [{ name: "details", ready: true, restartCount: 0, state: { running: {} } }],
  },
};

describe("toTable", () => {
  test("wraps rows in a meta.k8s.io/v1 Table with the object's metadata", () => {
    const table = toTable("pods", [pod], NOW, "1042");
    assert.equal(table.kind, "Table");
    assert.equal(table.apiVersion, "meta.k8s.io/v1");
    assert.deepEqual(table.metadata, { resourceVersion: "1042" });
    assert.equal(table.columnDefinitions[0]?.name, "Name");
    assert.equal(table.rows.length, 1);
    const row = table.rows[0]!;
    assert.deepEqual(row.cells.slice(0, 5), ["details-v1-79dfbd6fff-8mtlb", "1/1", "Running", "0", "60s"]);
    assert.deepEqual(row.object, {
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: pod.metadata,
    });
    assert.equal("conditions" in row, false);
  });

  test("every column definition carries all five fields, as kubectl expects", () => {
    for (const resource of ["pods", "services", "events", "virtualservices", "anything"]) {
      for (const column of toTable(resource, [], NOW, "1").columnDefinitions) {
        assert.deepEqual(Object.keys(column).sort(), ["description", "format", "name", "priority", "type"]);
      }
    }
  });

  test("finished pods carry row conditions", () => {
    const done: Pod = { ...pod, status: { phase: "Succeeded" } };
    assert.equal(toTable("pods", [done], NOW, "1").rows[0]?.conditions?.[0]?.reason, "Succeeded");
  });

  test("an empty list has no rows but keeps the columns", () => {
    const table = toTable("deployments", [], NOW, "7");
    assert.deepEqual(table.rows, []);
    assert.equal(table.columnDefinitions[1]?.name, "Ready");
  });

  test("custom resources use their CRD version's printer columns, or Age alone", () => {
    const established = (crd: KubeObject) => {
      const spec = crd.spec as { names: Record<string, unknown> };
      return {
        ...crd,
        status: { acceptedNames: spec.names, conditions: [{ type: "Established", status: "True" }] },
      } as unknown as CustomResourceDefinition;
    };
    const crds = istioCrds();
    const resource = (name: string) => {
      const crd = crds.find((c) => c.metadata.name === name);
      assert.ok(crd);
      const r = resourceTypeOf(established(crd));
      assert.ok(r);
      return r;
    };
    const vs: KubeObject = {
      metadata: { name: "bookinfo", creationTimestamp: "2025-06-01T11:58:00Z" },
      spec: { hosts: ["*"], gateways: ["bookinfo-gateway"] },
    };
    const table = toTable(resource("virtualservices.networking.istio.io"), [vs], NOW, "9", "v1");
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ["Name", "Gateways", "Hosts", "Age"],
    );
    assert.deepEqual(table.rows[0]?.cells, ["bookinfo", '["bookinfo-gateway"]', '["*"]', "2m"]);
    assert.deepEqual(
      toTable(
        resource("destinationrules.networking.istio.io"),
        [],
        NOW,
        "9",
        "v1beta1",
      ).columnDefinitions.map((c) => c.name),
      ["Name", "Host", "Age"],
    );
    const noColumns = established({
      metadata: { name: "widgets.example.com" },
      spec: {
        group: "example.com",
        names: { plural: "widgets", kind: "Widget" },
        scope: "Namespaced",
        versions: [{ name: "v1", served: true, storage: true }],
      },
    });
    const widgets = resourceTypeOf(noColumns);
    assert.ok(widgets);
    assert.deepEqual(
      toTable(widgets, [], NOW, "9", "v1").columnDefinitions.map((c) => c.name),
      ["Name", "Age"],
    );
  });

  test("each built-in resource gets its own printer, unknown ones NAME AGE", () => {
    const firstColumns = (resource: string) => printerFor(resource).columns.map((c) => c.name);
    assert.deepEqual(firstColumns("services").slice(0, 3), ["Name", "Type", "Cluster-IP"]);
    assert.deepEqual(firstColumns("replicasets").slice(1, 2), ["Desired"]);
    assert.deepEqual(firstColumns("nodes").slice(1, 3), ["Status", "Roles"]);
    assert.deepEqual(firstColumns("namespaces"), ["Name", "Status", "Age"]);
    assert.deepEqual(firstColumns("endpoints"), ["Name", "Endpoints", "Age"]);
    assert.deepEqual(firstColumns("serviceaccounts"), ["Name", "Secrets", "Age"]);
    assert.deepEqual(firstColumns("configmaps"), ["Name", "Data", "Age"]);
    assert.deepEqual(firstColumns("events")[0], "Last Seen");
    assert.deepEqual(firstColumns("customresourcedefinitions"), ["Name", "Created At"]);
    assert.deepEqual(firstColumns("mutatingwebhookconfigurations"), ["Name", "Webhooks", "Age"]);
    assert.deepEqual(firstColumns("secrets-of-the-universe"), ["Name", "Age"]);
  });
});
