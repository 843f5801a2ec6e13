import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import { reduceAll } from "../../../source/model/reduceSnapshot.ts";
import { hostFor, lastChangeAt, ROOM_CONFIG, roomPace, roomSettings } from "../../../source/model/room.ts";
import { byPrefix, RoomFold } from "../../../source/model/roomFold.ts";
import { emptySnapshot, type SnapshotEvent } from "../../../source/model/snapshot.ts";

const config = (namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: ROOM_CONFIG, namespace },
  data,
});

const pace = (stage: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "pace-attendee", namespace: "bookinfo-workshop" },
  data: { stage },
});

describe("a room's settings for one namespace", () => {
  test("read from its ConfigMap; malformed values are left out", () => {
    assert.equal(roomSettings(null), null);
    assert.deepEqual(
      roomSettings(
        config("attendee-1", {
          room: "attendee",
          host: "Attendee-1.Bookinfo.Local",
          gatewayUrl: "http://127.0.0.1:31380",
          pace: "bookinfo-workshop/pace-attendee",
        }),
      ),
      {
        room: "attendee",
        host: "attendee-1.bookinfo.local",
        gatewayUrl: "http://127.0.0.1:31380",
        pace: { namespace: "bookinfo-workshop", name: "pace-attendee" },
      },
    );
    assert.deepEqual(roomSettings(config("x", { host: "not a host!", pace: "a/b/c" })), {
      room: null,
      host: null,
      gatewayUrl: null,
      pace: null,
    });
  });

  test("--host wins over the room's host; neither means any host", () => {
    const roomConfig = config("attendee-1", { host: "attendee-1.bookinfo.local" });
    assert.equal(hostFor({ roomConfig }), "attendee-1.bookinfo.local");
    assert.equal(hostFor({ roomConfig }, "mine.example"), "mine.example");
    assert.equal(hostFor({ roomConfig: null }), null);
  });

  test("the pace counts only when it is the ConfigMap the room names", () => {
    const roomConfig = config("attendee-1", { pace: "bookinfo-workshop/pace-attendee" });
    assert.equal(roomPace({ roomConfig, roomPace: pace("route-v1") }), "route-v1");
    assert.equal(roomPace({ roomConfig, roomPace: null }), null);
    const elsewhere = { ...pace("verify"), metadata: { name: "pace-other", namespace: "bookinfo-workshop" } };
    assert.equal(roomPace({ roomConfig, roomPace: elsewhere }), null);
    assert.equal(roomPace({ roomConfig: null, roomPace: pace("route-v1") }), null);
  });

  test("the last change is the latest of creations, writes and pod transitions", () => {
    const snapshot = {
      ...emptySnapshot("c", "attendee-1", "s"),
      deployments: [
        {
          metadata: {
            name: "d",
            creationTimestamp: "2025-06-01T10:00:00Z",
            managedFields: [{ manager: "kubectl-bookinfo", time: "2025-06-01T10:05:00Z" }],
          },
        },
      ],
      pods: [
        {
          metadata: { name: "p", creationTimestamp: "2025-06-01T10:01:00Z" },
          status: {
            conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-06-01T10:07:30Z" }],
          },
        },
      ],
    };
    assert.equal(lastChangeAt(snapshot), Date.parse("2025-06-01T10:07:30Z"));
    assert.equal(lastChangeAt(emptySnapshot("c", "n", "s")), null);
  });
});

// --- the room from cluster-wide lists ---------------------------------------------------------

const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, uid: `uid-${name}`, labels },
});
const pod = (namespace: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels },
});
const object = (kind: string, namespace: string, name: string): KubeObject => ({
  apiVersion: kind === "Deployment" ? "apps/v1" : "v1",
  kind,
  metadata: { name, namespace, uid: `uid-${kind}-${namespace}-${name}` },
});
const ingress = pod("istio-system", "istio-ingressgateway-1", { istio: "ingressgateway" });
const ingressSvc = object("Service", "istio-system", "istio-ingressgateway");
const istio = { installed: true, version: "1.28.1", networkingVersion: "v1" as const };

/** The room's lists, as one watch per kind for the whole cluster first sees them. */
function clusterLists(): SnapshotEvent[] {
  return [
    { kind: "istio", istio },
    {
      kind: "synced",
      resource: "namespace",
      objects: [ns("attendee-1"), ns("attendee-2"), ns("istio-system"), ns("bookinfo-workshop")],
    },
    {
      kind: "synced",
      resource: "pods",
      objects: [
        ingress,
        pod("attendee-1", "productpage-v1-a"),
        pod("attendee-2", "details-v1-b"),
        pod("other", "x"),
      ],
    },
    {
      kind: "synced",
      resource: "deployments",
      objects: [object("Deployment", "attendee-1", "productpage-v1")],
    },
    {
      kind: "synced",
      resource: "services",
      objects: [ingressSvc, object("Service", "attendee-2", "details")],
    },
    { kind: "synced", resource: "gateways", objects: [] },
    { kind: "synced", resource: "virtualservices", objects: [] },
    { kind: "synced", resource: "destinationrules", objects: [] },
    {
      kind: "synced",
      resource: "roomConfig",
      objects: [config("attendee-2", { host: "attendee-2.bookinfo.local" })],
    },
  ];
}

/** The same namespace as its own tour's watches see it. */
function ownLists(namespace: string, all: SnapshotEvent[]): SnapshotEvent[] {
  const mine = (objects: KubeObject[]) => objects.filter((o) => o.metadata.namespace === namespace);
  const events: SnapshotEvent[] = [];
  for (const event of all) {
    if (event.kind !== "synced") {
      events.push(event);
      continue;
    }
    if (event.resource === "namespace")
      events.push({ ...event, objects: event.objects.filter((o) => o.metadata.name === namespace) });
    else events.push({ ...event, objects: mine(event.objects) });
    if (event.resource === "pods")
      events.push({
        kind: "synced",
        resource: "ingressPods",
        objects: event.objects.filter((o) => o.metadata.labels?.istio === "ingressgateway"),
      });
    if (event.resource === "services")
      events.push({ kind: "synced", resource: "ingressService", objects: [ingressSvc] });
  }
  return events;
}

describe("the room folded from one watch per kind", () => {
  const NOW = 1_000;

  test("each attendee's snapshot is what their own namespace's watches give", () => {
    const fold = new RoomFold({ context: "c", server: "s" }, byPrefix("attendee-"));
    const lists = clusterLists();
    fold.apply(lists, NOW);
    const room = fold.snapshots();
    assert.deepEqual([...room.keys()], ["attendee-1", "attendee-2"]);
    for (const name of room.keys()) {
      const own = reduceAll(emptySnapshot("c", name, "s"), [
        ...ownLists(name, lists),
        { kind: "tick", now: NOW },
      ]);
      assert.deepEqual(room.get(name), own, name);
    }
    assert.equal(room.get("attendee-1")?.pods.length, 1);
    assert.equal(room.get("attendee-1")?.ingressPods.length, 1);
    assert.equal(room.get("attendee-2")?.roomConfig?.metadata.namespace, "attendee-2");
    assert.equal(room.get("attendee-1")?.roomConfig, null);
  });

  test("a change touches only its namespace; a namespace that appears later starts from the lists", () => {
    const fold = new RoomFold({ context: "c", server: "s" }, byPrefix("attendee-"));
    fold.apply(clusterLists(), NOW);
    const before = fold.snapshots();
    const changed = fold.apply(
      [{ kind: "object", resource: "pods", type: "ADDED", object: pod("attendee-2", "reviews-v1-c") }],
      NOW + 1,
    );
    assert.deepEqual([...changed], ["attendee-2"]);
    assert.equal(fold.snapshots().get("attendee-1"), before.get("attendee-1"));
    assert.deepEqual(
      fold
        .snapshots()
        .get("attendee-2")
        ?.pods.map((p) => p.metadata.name),
      ["details-v1-b", "reviews-v1-c"],
    );

    // Pods arrive before their namespace is seen selected (a label added later, say).
    fold.apply(
      [{ kind: "object", resource: "pods", type: "ADDED", object: pod("attendee-3", "late") }],
      NOW + 2,
    );
    assert.equal(fold.snapshots().has("attendee-3"), false);
    const added = fold.apply(
      [{ kind: "object", resource: "namespace", type: "ADDED", object: ns("attendee-3") }],
      NOW + 3,
    );
    assert.ok(added.has("attendee-3"));
    const late = fold.snapshots().get("attendee-3");
    assert.deepEqual(
      late?.pods.map((p) => p.metadata.name),
      ["late"],
    );
    assert.equal(late?.namespaceObject?.metadata.name, "attendee-3");
    assert.equal(late?.istio.installed, true);
    assert.equal(late?.ingressService?.metadata.name, "istio-ingressgateway");

    const gone = fold.apply(
      [{ kind: "object", resource: "namespace", type: "DELETED", object: ns("attendee-1") }],
      NOW + 4,
    );
    assert.ok(gone.has("attendee-1"));
    assert.equal(fold.snapshots().has("attendee-1"), false);
  });

  test("the facilitator's namespace is never an attendee's, whatever the prefix", () => {
    const fold = new RoomFold({ context: "c", server: "s" }, byPrefix("bookinfo"));
    fold.apply(clusterLists(), NOW);
    assert.deepEqual([...fold.snapshots().keys()], []);
  });
});
