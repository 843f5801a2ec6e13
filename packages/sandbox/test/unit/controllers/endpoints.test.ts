import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import {
  deployment,
  isReady,
  namespace,
  resource,
  service,
  startCluster,
  type TestCluster,
} from "./cluster.ts";

interface Address {
  ip: string;
  nodeName?: string;
  targetRef: { kind: string; name: string; namespace: string; uid: string };
}
interface Subset {
  addresses?: Address[];
  notReadyAddresses?: Address[];
  ports?: { name?: string; port: number; protocol: string }[];
}
const subsets = (ep: KubeObject | undefined) => (ep?.subsets ?? []) as Subset[];

describe("endpoints controller", () => {
  let c: TestCluster;
  beforeEach(() => {
    c = startCluster();
    c.create(namespace("bookinfo", { "istio-injection": "enabled" }));
  });
  afterEach(() => c.stop());

  test("a Service's Endpoints list its pods as not ready, then ready", async () => {
    c.create(service("bookinfo", "details"));
    const empty = await c.waitFor("endpoints for the service", () =>
      c.store.get("endpoints", "bookinfo", "details"),
    );
    assert.equal(empty.subsets, undefined, "no pods, no subsets");
    assert.deepEqual(empty.metadata.labels, { app: "details", service: "details" });

    c.create(deployment("bookinfo", "details-v1"));
    const notReady = await c.waitFor("a not-ready address", () => {
      const ep = c.store.get("endpoints", "bookinfo", "details");
      return subsets(ep)[0]?.notReadyAddresses && ep;
    });
    const [pending] = c.pods("bookinfo");
    assert.ok(pending && !isReady(pending));
    assert.deepEqual(subsets(notReady), [
      {
        notReadyAddresses: [
          {
            ip: pending.status?.podIP,
            nodeName: pending.spec?.nodeName,
            targetRef: {
              kind: "Pod",
              namespace: "bookinfo",
              name: pending.metadata.name,
              uid: pending.metadata.uid,
            },
          },
        ],
        ports: [{ name: "http", port: 9080, protocol: "TCP" }],
      },
    ]);

    const ready = await c.waitFor("a ready address", () => {
      const ep = c.store.get("endpoints", "bookinfo", "details");
      return subsets(ep)[0]?.addresses && ep;
    });
    assert.ok(isReady(c.pods("bookinfo")[0]), "listed as ready only once the pod is Ready");
    assert.equal(subsets(ready)[0]?.notReadyAddresses, undefined);
    assert.equal(subsets(ready)[0]?.addresses?.[0]?.targetRef.name, pending.metadata.name);
    assert.ok(ready.metadata.annotations?.["endpoints.kubernetes.io/last-change-trigger-time"]);
  });

  test("a terminating pod leaves the Endpoints at once; the Endpoints go with the Service", async () => {
    c.create(service("bookinfo", "ratings"));
    c.create(deployment("bookinfo", "ratings-v1", { replicas: 2 }));
    await c.waitFor(
      "two ready addresses",
      () => subsets(c.store.get("endpoints", "bookinfo", "ratings"))[0]?.addresses?.length === 2,
    );
    const victim = c.pods("bookinfo")[0] as Pod;
    c.objects.delete(resource("v1", "Pod"), "bookinfo", victim.metadata.name ?? "", {});
    const ep = c.store.get("endpoints", "bookinfo", "ratings");
    const listed = subsets(ep).flatMap((s) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])]);
    await c.waitFor("the terminating pod dropped", () => {
      const current = subsets(c.store.get("endpoints", "bookinfo", "ratings")).flatMap((s) => [
        ...(s.addresses ?? []),
        ...(s.notReadyAddresses ?? []),
      ]);
      return !current.some((a) => a.targetRef.name === victim.metadata.name);
    });
    assert.ok(
      c.store.get("pods", "bookinfo", victim.metadata.name ?? "")?.metadata.deletionTimestamp,
      "still terminating",
    );
    assert.ok(
      listed.some((a) => a.targetRef.name === victim.metadata.name),
      "dropped by the controller, not by the delete itself",
    );

    c.remove("v1", "Service", "bookinfo", "ratings");
    await c.waitFor("endpoints removed", () => !c.store.get("endpoints", "bookinfo", "ratings"));
  });

  test("a named targetPort resolves to the container port of that name", async () => {
    c.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: "bookinfo" },
      spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http-web" }] },
    });
    c.create({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web", namespace: "bookinfo", labels: { app: "web" } },
      spec: {
        containers: [{ name: "web", image: "nginx", ports: [{ name: "http-web", containerPort: 8080 }] }],
      },
    });
    const ep = await c.waitFor("an address", () => {
      const found = c.store.get("endpoints", "bookinfo", "web");
      return subsets(found)[0]?.addresses && found;
    });
    assert.deepEqual(subsets(ep)[0]?.ports, [{ port: 8080, protocol: "TCP" }]);
  });

  test("a Service without a selector gets no managed Endpoints", async () => {
    c.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "external", namespace: "bookinfo" },
      spec: { ports: [{ port: 80 }] },
    });
    await c.controllers.settled();
    assert.equal(c.store.get("endpoints", "bookinfo", "external"), undefined);
  });
});
