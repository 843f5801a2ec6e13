import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ApplyResult,
  type Conflict,
  conflictCauses,
  conflictMessage,
  LAST_APPLIED_ANNOTATION,
  type ManagedFieldsEntry,
  recordUpdate,
  serverSideApply,
} from "../../../src/api/apply.ts";
import { PatchError } from "../../../src/api/patch.ts";
import type { KubeObject } from "../../../src/kube.ts";

const T0 = "2026-01-01T10:00:00Z";
const T1 = "2026-01-01T10:01:00Z";
const T2 = "2026-01-01T10:02:00Z";
const IMAGE = "docker.io/istio/examples-bookinfo-details-v1:1.20.2";

interface Container {
  name: string;
  image?: string;
  ports?: { containerPort: number }[];
  imagePullPolicy?: string;
}
interface Deployment extends KubeObject {
  metadata: KubeObject["metadata"] & { labels: Record<string, string> };
  spec: {
    replicas: number;
    template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
  };
}

function manifest(changes: (d: Deployment) => void = () => {}): Deployment {
  const d: Deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "details-v1", namespace: "default", labels: { app: "details", version: "v1" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "details", version: "v1" } },
      template: {
        metadata: { labels: { app: "details", version: "v1" } },
        spec: {
          serviceAccountName: "bookinfo-details",
          containers: [{ name: "details", image: IMAGE, ports: [{ containerPort: 9080 }] }],
        },
      },
    } as Deployment["spec"],
  };
  changes(d);
  return d;
}

function applied(result: ApplyResult): Deployment {
  assert.ok(
    "object" in result,
    `unexpected conflicts: ${"conflicts" in result ? conflictMessage(result.conflicts) : ""}`,
  );
  return result.object as Deployment;
}

// What the API server adds when it stores an object: identity, defaults and status.
function stored(object: KubeObject, resourceVersion = "1"): Deployment {
  const d = structuredClone(object) as Deployment;
  d.metadata = { ...d.metadata, uid: "u-1", resourceVersion, creationTimestamp: T0, generation: 1 };
  for (const c of d.spec.template.spec.containers) c.imagePullPolicy ??= "IfNotPresent";
  (d.spec as Record<string, unknown>).strategy ??= { type: "RollingUpdate" };
  d.status = { replicas: d.spec.replicas };
  return d;
}

const entries = (object: KubeObject) => (object.metadata.managedFields ?? []) as ManagedFieldsEntry[];
const entryOf = (object: KubeObject, manager: string) => entries(object).find((e) => e.manager === manager);
const kubectl = (now: string, force = false) => ({ manager: "kubectl", force, apiVersion: "apps/v1", now });

describe("serverSideApply", () => {
  it("creates the object and records what the applier set as fieldsV1", () => {
    const result = serverSideApply(undefined, manifest(), kubectl(T1));
    const object = applied(result);
    assert.equal("changed" in result && result.changed, true);
    const { managedFields, ...metadata } = object.metadata;
    assert.deepEqual({ ...object, metadata }, manifest());
    assert.deepEqual(managedFields, [
      {
        manager: "kubectl",
        operation: "Apply",
        apiVersion: "apps/v1",
        time: T1,
        fieldsType: "FieldsV1",
        fieldsV1: {
          "f:metadata": { "f:labels": { "f:app": {}, "f:version": {} } },
          "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
              "f:metadata": { "f:labels": { "f:app": {}, "f:version": {} } },
              "f:spec": {
                "f:containers": {
                  'k:{"name":"details"}': {
                    ".": {},
                    "f:image": {},
                    "f:name": {},
                    "f:ports": {
                      'k:{"containerPort":9080,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} },
                    },
                  },
                },
                "f:serviceAccountName": {},
              },
            },
          },
        },
      },
    ]);
    const fields = entries(object)[0]!.fieldsV1 as Record<
      string,
      Record<string, Record<string, Record<string, object>>>
    >;
    const containers = fields["f:spec"]!["f:template"]!["f:spec"]!["f:containers"] as Record<string, object>;
    assert.deepEqual(
      Object.keys(containers['k:{"name":"details"}']!),
      [".", "f:image", "f:name", "f:ports"],
      "'.' first",
    );
  });

  it("changes nothing when the same configuration is applied again", () => {
    const live = stored(applied(serverSideApply(undefined, manifest(), kubectl(T1))));
    const again = serverSideApply(live, manifest(), kubectl(T2));
    assert.ok("object" in again);
    assert.equal(again.changed, false);
    assert.deepEqual(again.object, live, "same object, managedFields time included");
  });

  it("removes a label the applier stopped setting, and the labels map once empty", () => {
    const live = stored(applied(serverSideApply(undefined, manifest(), kubectl(T1))));
    const dropped = applied(
      serverSideApply(
        live,
        manifest((d) => delete d.metadata.labels.version),
        kubectl(T2),
      ),
    );
    assert.deepEqual(dropped.metadata.labels, { app: "details" });
    assert.deepEqual(dropped.spec.template.metadata.labels, { app: "details", version: "v1" });
    assert.equal(dropped.metadata.resourceVersion, "1", "system metadata is kept for the server to bump");
    assert.deepEqual(dropped.status, { replicas: 1 });
    const entry = entryOf(dropped, "kubectl")!;
    assert.equal(entry.time, T2);
    assert.deepEqual(entry.fieldsV1["f:metadata"] as object, { "f:labels": { "f:app": {} } });

    const none = applied(
      serverSideApply(
        stored(dropped),
        manifest((d) => {
          delete (d.metadata as { labels?: unknown }).labels;
        }),
        kubectl(T2),
      ),
    );
    assert.equal("labels" in none.metadata, false);
  });

  it("keeps a dropped field another manager also owns, and fields nobody owns", () => {
    const created = stored(applied(serverSideApply(undefined, manifest(), kubectl(T1))));
    const labelled = recordUpdate(
      created,
      {
        ...created,
        metadata: { ...created.metadata, labels: { ...created.metadata.labels, team: "books" } },
      },
      "kubectl-label",
      "apps/v1",
      T1,
    ) as Deployment;
    const shared = applied(
      serverSideApply(labelled, manifest(), { manager: "ci", force: false, apiVersion: "apps/v1", now: T1 }),
    );
    const result = applied(
      serverSideApply(
        stored(shared),
        manifest((d) => {
          d.metadata.labels = {};
        }),
        kubectl(T2),
      ),
    );
    assert.deepEqual(result.metadata.labels, { app: "details", version: "v1", team: "books" });
    assert.equal(result.spec.template.spec.containers[0]?.imagePullPolicy, "IfNotPresent");
  });

  it("merges keyed lists by key: drops an item it stopped applying, keeps and places others", () => {
    const two = manifest((d) => d.spec.template.spec.containers.push({ name: "helper", image: "busybox" }));
    const live = stored(applied(serverSideApply(undefined, two, kubectl(T1))));
    live.spec.template.spec.containers.splice(1, 0, { name: "istio-proxy", image: "proxyv2" });
    const next = manifest((d) => {
      d.spec.template.spec.containers[0]!.image = "details:2";
      d.spec.template.spec.containers.push({ name: "extra", image: "x" });
    });
    const result = applied(serverSideApply(live, next, kubectl(T2)));
    assert.deepEqual(
      result.spec.template.spec.containers.map((c) => [c.name, c.image]),
      [
        ["details", "details:2"],
        ["istio-proxy", "proxyv2"],
        ["extra", "x"],
      ],
    );
    assert.equal(result.spec.template.spec.containers[0]?.imagePullPolicy, "IfNotPresent");
  });

  it("never merges or owns status and server-set metadata from the configuration", () => {
    const config = manifest((d) => {
      d.status = { replicas: 99 };
      d.metadata.uid = "forged";
    });
    const live = stored(applied(serverSideApply(undefined, manifest(), kubectl(T1))));
    const result = applied(serverSideApply(live, config, kubectl(T2)));
    assert.deepEqual(result.status, { replicas: 1 });
    assert.equal(result.metadata.uid, "u-1");
    const fields = entries(result)[0]!.fieldsV1;
    assert.deepEqual(Object.keys(fields), ["f:metadata", "f:spec"]);
    assert.deepEqual(Object.keys(fields["f:metadata"] as object), ["f:labels"]);
  });

  it("refuses a keyed list item without its key", () => {
    const bad = manifest((d) => {
      d.spec.template.spec.containers = [{ image: "x" } as Container];
    });
    assert.throws(
      () => serverSideApply(undefined, bad, kubectl(T1)),
      (error: unknown) =>
        error instanceof PatchError &&
        error.status === 500 &&
        error.message ===
          '.spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
    );
  });
});

describe("conflicts with other managers", () => {
  // `kubectl apply` (client-side) creates with an Update entry and the last-applied annotation.
  function clientSideApplied(replicas = 1): Deployment {
    const body = manifest((d) => {
      d.spec.replicas = replicas;
    });
    const withAnnotation = structuredClone(body);
    withAnnotation.metadata.annotations = { [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(body)}\n` };
    return stored(recordUpdate(undefined, withAnnotation, "kubectl-client-side-apply", "apps/v1", T0));
  }
  const bookinfo = (force = false) => ({
    manager: "kubectl-bookinfo",
    force,
    apiVersion: "apps/v1",
    now: T1,
  });
  const scaled = manifest((d) => {
    d.spec.replicas = 3;
  });

  it("reports a changed field owned by kubectl-client-side-apply", () => {
    const live = clientSideApplied();
    assert.equal(entryOf(live, "kubectl-client-side-apply")?.operation, "Update");
    const result = serverSideApply(live, scaled, bookinfo());
    assert.ok("conflicts" in result);
    const expected: Conflict[] = [
      {
        manager: "kubectl-client-side-apply",
        operation: "Update",
        apiVersion: "apps/v1",
        field: ".spec.replicas",
      },
    ];
    assert.deepEqual(result.conflicts, expected);
    assert.equal(
      conflictMessage(result.conflicts),
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    assert.deepEqual(conflictCauses(result.conflicts), [
      {
        reason: "FieldManagerConflict",
        message: 'conflict with "kubectl-client-side-apply" using apps/v1',
        field: ".spec.replicas",
      },
    ]);
  });

  it("shares ownership of fields set to the value they already have", () => {
    const live = clientSideApplied();
    const result = applied(serverSideApply(live, manifest(), bookinfo()));
    const has = (m: string) => JSON.stringify(entryOf(result, m)?.fieldsV1).includes('"f:replicas"');
    assert.equal(has("kubectl-bookinfo"), true);
    assert.equal(has("kubectl-client-side-apply"), true);
  });

  it("with force, changes the field and moves its ownership to the applier", () => {
    const live = clientSideApplied();
    const result = applied(serverSideApply(live, scaled, bookinfo(true)));
    assert.equal(result.spec.replicas, 3);
    const csa = JSON.stringify(entryOf(result, "kubectl-client-side-apply")?.fieldsV1);
    assert.doesNotMatch(csa, /"f:replicas"/);
    assert.match(csa, /"f:image"/, "the other fields stay with their owner");
    assert.equal(entryOf(result, "kubectl-client-side-apply")?.time, T0);
    assert.match(JSON.stringify(entryOf(result, "kubectl-bookinfo")?.fieldsV1), /"f:replicas"/);
    assert.deepEqual(
      entries(result).map((e) => `${e.operation}:${e.manager}`),
      ["Apply:kubectl-bookinfo", "Update:kubectl-client-side-apply"],
    );
  });

  it("lets `kubectl apply --server-side` take over fields still as last applied client-side", () => {
    const result = applied(serverSideApply(clientSideApplied(), scaled, kubectl(T1)));
    assert.equal(result.spec.replicas, 3);
    const annotation = result.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
    assert.equal(annotation?.endsWith("\n"), true);
    assert.equal(
      JSON.parse(annotation!).spec.replicas,
      3,
      "the annotation follows the applied configuration",
    );
    assert.match(annotation!, /^\{"apiVersion":"apps\/v1","kind":"Deployment","metadata":\{"labels":/);

    const drifted = clientSideApplied();
    drifted.spec.replicas = 5;
    const conflict = serverSideApply(drifted, scaled, kubectl(T1));
    assert.ok("conflicts" in conflict, "a live value that left the last-applied one is still a conflict");
    assert.equal(conflict.conflicts[0]?.field, ".spec.replicas");
  });

  it("words several conflicts grouped by manager", () => {
    const conflicts: Conflict[] = [
      { manager: "other", operation: "Apply", apiVersion: "apps/v1", field: ".metadata.labels.app" },
      {
        manager: "kubectl-client-side-apply",
        operation: "Update",
        apiVersion: "apps/v1",
        field: ".spec.replicas",
      },
      {
        manager: "kubectl-client-side-apply",
        operation: "Update",
        apiVersion: "apps/v1",
        field: '.spec.template.spec.containers[name="details"].image',
      },
    ];
    assert.equal(
      conflictMessage(conflicts),
      [
        'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:',
        "- .spec.replicas",
        '- .spec.template.spec.containers[name="details"].image',
        'conflicts with "other":',
        "- .metadata.labels.app",
      ].join("\n"),
    );
  });

  it("prints keyed paths the way Kubernetes does", () => {
    const live = clientSideApplied();
    const result = serverSideApply(
      live,
      manifest((d) => {
        d.spec.template.spec.containers[0]!.image = "details:2";
      }),
      bookinfo(),
    );
    assert.ok("conflicts" in result);
    assert.deepEqual(
      result.conflicts.map((c) => c.field),
      ['.spec.template.spec.containers[name="details"].image'],
    );
  });
});

describe("recordUpdate", () => {
  const created = () => stored(applied(serverSideApply(undefined, manifest(), kubectl(T1))));

  it("gives the writer the fields it changed and takes them from the applier", () => {
    const live = created();
    const after = structuredClone(live);
    after.spec.replicas = 4;
    const result = recordUpdate(live, after, "hpa-controller", "apps/v1", T2) as Deployment;
    assert.equal(result.spec.replicas, 4);
    const hpa = entryOf(result, "hpa-controller")!;
    assert.deepEqual(
      { operation: hpa.operation, apiVersion: hpa.apiVersion, time: hpa.time, fieldsV1: hpa.fieldsV1 },
      { operation: "Update", apiVersion: "apps/v1", time: T2, fieldsV1: { "f:spec": { "f:replicas": {} } } },
    );
    assert.doesNotMatch(JSON.stringify(entryOf(result, "kubectl")?.fieldsV1), /f:replicas/);
    assert.equal(entryOf(result, "kubectl")?.time, T1);
  });

  it("owns a new map itself ('.') and records a create from nothing", () => {
    const live = created();
    const after = structuredClone(live);
    after.metadata.annotations = { note: "x" };
    const result = recordUpdate(live, after, "kubectl-annotate", "apps/v1", T2);
    assert.deepEqual(entryOf(result, "kubectl-annotate")?.fieldsV1, {
      "f:metadata": { "f:annotations": { ".": {}, "f:note": {} } },
    });
    const fresh = recordUpdate(undefined, manifest(), "kubectl-create", "apps/v1", T0);
    assert.match(
      JSON.stringify(entryOf(fresh, "kubectl-create")?.fieldsV1),
      /"f:labels":\{"\.":\{\},"f:app":\{\},"f:version":\{\}\}/,
    );
  });

  it("records nothing for a write that changes nothing, and drops removed fields from every owner", () => {
    const live = created();
    assert.deepEqual(recordUpdate(live, structuredClone(live), "someone", "apps/v1", T2), live);
    const after = structuredClone(live);
    delete (after.metadata.labels as Record<string, string>).version;
    const result = recordUpdate(live, after, "kubectl-label", "apps/v1", T2);
    assert.equal(entryOf(result, "kubectl-label"), undefined, "removing a field owns nothing");
    assert.doesNotMatch(JSON.stringify(entryOf(result, "kubectl")?.fieldsV1["f:metadata"]), /f:version/);
  });

  it("owns status only through the status subresource", () => {
    const live = created();
    const after = structuredClone(live);
    after.status = { replicas: 1, readyReplicas: 1 };
    assert.equal(
      entryOf(recordUpdate(live, after, "kubectl-edit", "apps/v1", T2), "kubectl-edit"),
      undefined,
    );
    const viaStatus = entryOf(
      recordUpdate(live, after, "kube-controller-manager", "apps/v1", T2, "status"),
      "kube-controller-manager",
    );
    assert.equal(viaStatus?.subresource, "status");
    assert.deepEqual(viaStatus?.fieldsV1, { "f:status": { "f:readyReplicas": {} } });
  });
});
