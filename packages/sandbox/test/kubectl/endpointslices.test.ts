import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pod } from "../../src/kube.ts";
import { until } from "../../testing/sandbox.ts";
import { deployBookinfo, type Tutorial } from "../../testing/tutorial.ts";

// EndpointSlices with the real kubectl: kept by the controller next to the Endpoints, in the
// columns `kubectl get endpointslices` prints.

let t: Tutorial;

before(async () => {
  t = await deployBookinfo("slices-kubectl", false);
});
after(async () => t?.close());

const ipsOf = (app: string) =>
  ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[])
    .filter((p) => p.metadata.labels?.app === app && !p.metadata.deletionTimestamp)
    .map((p) => p.status?.podIP ?? "")
    .sort();

const sliceRow = async (service: string) =>
  (
    await t.ok(
      "-n",
      t.ns,
      "get",
      "endpointslices",
      "-l",
      `kubernetes.io/service-name=${service}`,
      "--no-headers",
    )
  )
    .trim()
    .split(/\s+/);

test("one slice per Service, with its ports and its pods' addresses", async () => {
  const table = await t.ok("-n", t.ns, "get", "endpointslices");
  assert.match(table, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE\n/);
  for (const app of ["details", "productpage", "ratings", "reviews"]) {
    const [name, type, ports, endpoints] = await sliceRow(app);
    assert.match(name!, new RegExp(`^${app}-[a-z0-9]{5}$`));
    assert.equal(type, "IPv4");
    assert.equal(ports, "9080");
    assert.deepEqual(endpoints!.split(",").sort(), ipsOf(app));
  }
  const json = JSON.parse(
    await t.ok("-n", t.ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=ratings", "-o", "json"),
  ) as {
    items: Record<string, any>[];
  };
  const [slice] = json.items;
  assert.equal(
    slice?.metadata.labels["endpointslice.kubernetes.io/managed-by"],
    "endpointslice-controller.k8s.io",
  );
  assert.equal(slice?.metadata.ownerReferences[0].kind, "Service");
  assert.deepEqual(slice?.ports, [{ name: "http", port: 9080, protocol: "TCP" }]);
  assert.deepEqual(slice?.endpoints[0].conditions, { ready: true, serving: true, terminating: false });
  assert.equal(slice?.endpoints[0].targetRef.kind, "Pod");
});

test("follows the pods: scaled to zero it keeps an empty slice; the Service gone, the slice goes", async () => {
  await t.ok("-n", t.ns, "scale", "deployment", "details-v1", "--replicas=0");
  await until(t.env.sandbox, () => ipsOf("details").length === 0, 20_000);
  const deadline = Date.now() + 10_000;
  let row = await sliceRow("details");
  while (row[3] !== "<unset>" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    row = await sliceRow("details");
  }
  assert.deepEqual(row.slice(1, 4), ["IPv4", "<unset>", "<unset>"]);
  await t.ok("-n", t.ns, "delete", "service", "details");
  await until(t.env.sandbox, () =>
    [...t.env.sandbox.store.peek("endpointslices.discovery.k8s.io", t.ns)].every(
      (s) => s.metadata.labels?.["kubernetes.io/service-name"] !== "details",
    ),
  );
  const after = await t.kubectl(
    "-n",
    t.ns,
    "get",
    "endpointslices",
    "-l",
    "kubernetes.io/service-name=details",
  );
  assert.match(after.stderr, /No resources found/);
});
