import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import {
  deployment,
  isReady,
  namespace,
  recordRows,
  resource,
  startCluster,
  type TestCluster,
} from "./cluster.ts";

interface Status {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}
const statusOf = (o: KubeObject | undefined) => (o?.status ?? {}) as Status;
const HASH_ALPHABET = /^[bcdfghjklmnpqrstvwxz2456789]{8,10}$/;

/** What `kubectl rollout status` decides from a deployment (kubectl's DeploymentStatusViewer). */
function rolledOut(d: KubeObject | undefined): boolean {
  if (!d) return false;
  const s = statusOf(d);
  const replicas = (d.spec as { replicas: number }).replicas;
  return (
    (d.metadata.generation ?? 0) <= (s.observedGeneration ?? 0) &&
    (s.updatedReplicas ?? 0) >= replicas &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

describe("deployment and replicaset controllers", () => {
  let c: TestCluster;
  beforeEach(() => {
    c = startCluster();
    c.create(namespace("bookinfo"));
  });
  afterEach(() => c.stop());

  test("a deployment gets a hashed ReplicaSet and pods named and owned like Kubernetes'", async () => {
    const d = c.create(deployment("bookinfo", "details-v1"));
    const pod = await c.waitFor("a ready details pod", () => c.pods("bookinfo").find(isReady));

    const [rs, ...others] = c.store.list("replicasets.apps", "bookinfo");
    assert.ok(rs);
    assert.equal(others.length, 0);
    const hash = rs.metadata.labels?.["pod-template-hash"] ?? "";
    assert.match(hash, HASH_ALPHABET);
    assert.equal(rs.metadata.name, `details-v1-${hash}`);
    assert.deepEqual(rs.metadata.ownerReferences, [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: "details-v1",
        uid: d.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
    assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"], "1");
    assert.equal(rs.metadata.annotations?.["deployment.kubernetes.io/max-replicas"], "2");
    const spec = rs.spec as {
      selector: { matchLabels: Record<string, string> };
      template: { metadata: { labels: Record<string, string> } };
    };
    assert.deepEqual(spec.selector.matchLabels, { app: "details", version: "v1", "pod-template-hash": hash });
    assert.equal(spec.template.metadata.labels["pod-template-hash"], hash);

    assert.match(
      pod.metadata.name ?? "",
      new RegExp(`^details-v1-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`),
    );
    assert.equal(pod.metadata.generateName, `details-v1-${hash}-`);
    assert.deepEqual(pod.metadata.ownerReferences, [
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: rs.metadata.name,
        uid: rs.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(pod.metadata.labels?.app, "details");

    const done = await c.waitFor("details-v1 rolled out", () => {
      const current = c.store.get("deployments.apps", "bookinfo", "details-v1");
      return rolledOut(current) && current;
    });
    const status = statusOf(done);
    assert.equal(done.metadata.annotations?.["deployment.kubernetes.io/revision"], "1");
    assert.deepEqual(
      { ...status, conditions: undefined },
      {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: undefined,
      },
    );
    assert.deepEqual(
      status.conditions?.map((x) => [x.type, x.status, x.reason, x.message]),
      [
        ["Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."],
        [
          "Progressing",
          "True",
          "NewReplicaSetAvailable",
          `ReplicaSet "${rs.metadata.name}" has successfully progressed.`,
        ],
      ],
    );
    const rsStatus = c.store.get("replicasets.apps", "bookinfo", rs.metadata.name ?? "")?.status;
    assert.deepEqual(rsStatus, {
      replicas: 1,
      fullyLabeledReplicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
      observedGeneration: 1,
    });
  });

  test("before its pod is ready a deployment reports itself unavailable, as rollout status expects", async () => {
    c.create(deployment("bookinfo", "reviews-v1"));
    const d = await c.waitFor("the first status", () => {
      const current = c.store.get("deployments.apps", "bookinfo", "reviews-v1");
      return statusOf(current).conditions?.some((x) => x.type === "Available") && current;
    });
    const status = statusOf(d);
    assert.equal(status.availableReplicas, undefined, "zero counts are omitted, as by the API");
    assert.deepEqual(
      status.conditions?.find((x) => x.type === "Available"),
      {
        ...status.conditions?.find((x) => x.type === "Available"),
        status: "False",
        reason: "MinimumReplicasUnavailable",
        message: "Deployment does not have minimum availability.",
      },
    );
    assert.equal(rolledOut(d), false);
  });

  test("rollout restart creates a new ReplicaSet; the new pod comes up before the old one goes", async () => {
    c.create(deployment("bookinfo", "ratings-v1"));
    const first = await c.waitFor("a ready ratings pod", () => c.pods("bookinfo").find(isReady));
    const events = recordRows(c.store, "bookinfo");

    c.edit("apps/v1", "Deployment", "bookinfo", "ratings-v1", (d) => {
      const template = (d.spec as { template: { metadata: { annotations?: Record<string, string> } } })
        .template;
      template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:00:00Z" };
    });
    await c.waitFor("the old pod to be gone and the rollout finished", () => {
      const d = c.store.get("deployments.apps", "bookinfo", "ratings-v1");
      return !c.store.get("pods", "bookinfo", first.metadata.name ?? "") && rolledOut(d);
    });
    events.stop();

    const sets = c.store.list("replicasets.apps", "bookinfo");
    assert.equal(sets.length, 2, "the old ReplicaSet is kept for rollback");
    const byRevision = new Map(
      sets.map((rs) => [rs.metadata.annotations?.["deployment.kubernetes.io/revision"], rs]),
    );
    assert.equal((byRevision.get("1")?.spec as { replicas: number } | undefined)?.replicas, 0);
    assert.equal((byRevision.get("2")?.spec as { replicas: number } | undefined)?.replicas, 1);
    assert.equal(
      c.store.get("deployments.apps", "bookinfo", "ratings-v1")?.metadata.annotations?.[
        "deployment.kubernetes.io/revision"
      ],
      "2",
    );

    const [replacement] = c.pods("bookinfo");
    assert.ok(replacement && replacement.metadata.name !== first.metadata.name);
    assert.ok(isReady(replacement));
    // The old pod was only told to stop once its replacement was ready (maxSurge 1, maxUnavailable 0).
    const newRows = events.rows.get(replacement.metadata.name ?? "") ?? [];
    const oldRows = events.rows.get(first.metadata.name ?? "") ?? [];
    assert.deepEqual(oldRows.slice(0, 2), ["1/1 Terminating", "0/1 Completed"]);
    assert.equal(oldRows.at(-1), "<deleted>");
    assert.ok(newRows.includes("1/1 Running"));
    const at = (pod: Pod, text: string) =>
      events.log.findIndex(([n, t]) => n === pod.metadata.name && t === text);
    assert.ok(at(replacement, "1/1 Running") >= 0);
    assert.ok(at(replacement, "1/1 Running") < at(first, "1/1 Terminating"), events.log.join("\n"));
  });

  test("undoing a restart reuses the first ReplicaSet as revision 3", async () => {
    c.create(deployment("bookinfo", "details-v1"));
    await c.waitFor("rolled out", () => rolledOut(c.store.get("deployments.apps", "bookinfo", "details-v1")));
    const [original] = c.store.list("replicasets.apps", "bookinfo");
    const annotate = (value: string | undefined) =>
      c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
        const template = (d.spec as { template: { metadata: { annotations?: Record<string, string> } } })
          .template;
        if (value) template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": value };
        else delete template.metadata.annotations;
      });
    annotate("2025-01-01T00:00:00Z");
    await c.waitFor("restart rolled out", () => {
      const d = c.store.get("deployments.apps", "bookinfo", "details-v1");
      return d?.metadata.annotations?.["deployment.kubernetes.io/revision"] === "2" && rolledOut(d);
    });
    annotate(undefined);
    await c.waitFor("undo rolled out", () => {
      const d = c.store.get("deployments.apps", "bookinfo", "details-v1");
      return d?.metadata.annotations?.["deployment.kubernetes.io/revision"] === "3" && rolledOut(d);
    });
    const sets = c.store.list("replicasets.apps", "bookinfo");
    assert.equal(sets.length, 2);
    const back = sets.find((rs) => rs.metadata.uid === original?.metadata.uid);
    assert.equal(back?.metadata.annotations?.["deployment.kubernetes.io/revision"], "3");
    assert.equal((back?.spec as { replicas: number } | undefined)?.replicas, 1);
  });

  test("the Recreate strategy removes the old pods before creating new ones", async () => {
    const d = deployment("bookinfo", "details-v1");
    (d.spec as { strategy?: object }).strategy = { type: "Recreate" };
    c.create(d);
    const first = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    const events = recordRows(c.store, "bookinfo");
    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (o) => {
      const template = (o.spec as { template: { metadata: { annotations?: Record<string, string> } } })
        .template;
      template.metadata.annotations = { "kubectl.kubernetes.io/restartedAt": "now" };
    });
    const second = await c.waitFor("a new ready pod", () =>
      c.pods("bookinfo").find((p) => isReady(p) && p.metadata.name !== first.metadata.name),
    );
    events.stop();
    const gone = events.log.findIndex(([name, text]) => name === first.metadata.name && text === "<deleted>");
    const born = events.log.findIndex(([name]) => name === second.metadata.name);
    assert.ok(gone >= 0 && gone < born, events.log.join("\n"));
  });

  test("scaling to zero removes the pods and scaling back brings them back", async () => {
    c.create(deployment("bookinfo", "details-v1", { replicas: 2 }));
    await c.waitFor("two ready pods", () => c.pods("bookinfo").filter(isReady).length === 2);
    const names = c.pods("bookinfo").map((p) => p.metadata.name);
    assert.equal(new Set(names).size, 2);

    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
      (d.spec as { replicas: number }).replicas = 0;
    });
    const scaledDown = await c.waitFor("no pods left", () => {
      const d = c.store.get("deployments.apps", "bookinfo", "details-v1");
      return c.pods("bookinfo").length === 0 && rolledOut(d) && d;
    });
    assert.equal(statusOf(scaledDown).replicas, undefined);
    const [rs] = c.store.list("replicasets.apps", "bookinfo");
    assert.equal((rs?.spec as { replicas: number } | undefined)?.replicas, 0);
    assert.equal(c.store.list("replicasets.apps", "bookinfo").length, 1, "scaling is not a new revision");

    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
      (d.spec as { replicas: number }).replicas = 1;
    });
    const pod = await c.waitFor("a ready pod again", () => c.pods("bookinfo").find(isReady));
    assert.ok(!names.includes(pod.metadata.name));
    assert.equal(c.pods("bookinfo").length, 1);
  });

  test("scale down removes not-ready pods before ready ones", async () => {
    c.create(deployment("bookinfo", "details-v1", { replicas: 1 }));
    const ready = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
      (d.spec as { replicas: number }).replicas = 3;
    });
    await c.waitFor(
      "three pods",
      () => c.pods("bookinfo").filter((p) => !p.metadata.deletionTimestamp).length === 3,
    );
    c.edit("apps/v1", "Deployment", "bookinfo", "details-v1", (d) => {
      (d.spec as { replicas: number }).replicas = 1;
    });
    await c.waitFor("one pod left", () => c.pods("bookinfo").length === 1);
    assert.equal(c.pods("bookinfo")[0]?.metadata.name, ready.metadata.name);
  });

  test("deleting a deployment cascades: pods go Terminating, then disappear", async () => {
    c.create(deployment("bookinfo", "productpage-v1"));
    const pod = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    const events = recordRows(c.store, "bookinfo");

    c.remove("apps/v1", "Deployment", "bookinfo", "productpage-v1");
    assert.equal(c.store.get("deployments.apps", "bookinfo", "productpage-v1"), undefined);
    await c.waitFor(
      "everything gone",
      () => c.pods("bookinfo").length === 0 && !c.store.list("replicasets.apps", "bookinfo").length,
    );
    events.stop();
    assert.deepEqual(events.rows.get(pod.metadata.name ?? ""), [
      "1/1 Terminating",
      "0/1 Completed",
      "<deleted>",
    ]);
  });

  test("foreground deletion keeps the deployment until its ReplicaSet and pods are gone", async () => {
    c.create(deployment("bookinfo", "details-v1"));
    await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    c.remove("apps/v1", "Deployment", "bookinfo", "details-v1", "Foreground");
    const held = c.store.get("deployments.apps", "bookinfo", "details-v1");
    assert.ok(held?.metadata.deletionTimestamp);
    assert.deepEqual(held.metadata.finalizers, ["foregroundDeletion"]);
    await c.waitFor("the pod terminating", () => c.pods("bookinfo")[0]?.metadata.deletionTimestamp);
    assert.ok(c.store.get("deployments.apps", "bookinfo", "details-v1"), "still waiting for the pod");
    await c.waitFor("the deployment gone", () => !c.store.get("deployments.apps", "bookinfo", "details-v1"));
    assert.equal(c.pods("bookinfo").length, 0);
    assert.equal(c.store.list("replicasets.apps", "bookinfo").length, 0);
  });

  test("orphaning delete leaves the pods, and a new deployment adopts the ReplicaSet", async () => {
    c.create(deployment("bookinfo", "details-v1"));
    const pod = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    c.remove("apps/v1", "Deployment", "bookinfo", "details-v1", "Orphan");
    const d = c.create(deployment("bookinfo", "details-v1"));
    await c.waitFor("the ReplicaSet adopted", () =>
      c.store
        .list("replicasets.apps", "bookinfo")
        .every((rs) => rs.metadata.ownerReferences?.[0]?.uid === d.metadata.uid),
    );
    await c.controllers.settled();
    assert.deepEqual(
      c.pods("bookinfo").map((p) => p.metadata.name),
      [pod.metadata.name],
    );
  });

  test("pods of a ReplicaSet count only while not terminating", async () => {
    c.create(deployment("bookinfo", "details-v1"));
    const pod = await c.waitFor("a ready pod", () => c.pods("bookinfo").find(isReady));
    c.objects.delete(resource("v1", "Pod"), "bookinfo", pod.metadata.name ?? "");
    const replacement = await c.waitFor("a replacement while the old one terminates", () =>
      c.pods("bookinfo").find((p: Pod) => p.metadata.name !== pod.metadata.name),
    );
    assert.ok(c.store.get("pods", "bookinfo", pod.metadata.name ?? "")?.metadata.deletionTimestamp);
    assert.ok(!replacement.metadata.deletionTimestamp);
  });
});
