import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import {
  deploymentsNeedingRestart,
  inject,
  namespaceInjection,
} from "../../../source/tutorial/stages/inject.ts";
import {
  bookinfo,
  DEPLOYMENTS,
  deployment,
  fixText,
  namespace,
  pod,
  recordingContext,
  snapshot,
} from "./fixtures.ts";

describe("namespaceInjection", () => {
  test("follows the injector's precedence", () => {
    assert.deepEqual(namespaceInjection(namespace({ "istio-injection": "enabled" })), {
      mode: "sidecar",
      label: "istio-injection=enabled",
    });
    assert.deepEqual(namespaceInjection(namespace({ "istio.io/rev": "1-30" })), {
      mode: "sidecar",
      label: "istio.io/rev=1-30",
    });
    // istio-injection wins over istio.io/rev; any value but "enabled" turns it off.
    assert.equal(
      namespaceInjection(namespace({ "istio-injection": "disabled", "istio.io/rev": "default" })).mode,
      "off",
    );
    assert.equal(namespaceInjection(namespace({ "istio.io/dataplane-mode": "ambient" })).mode, "ambient");
    assert.equal(namespaceInjection(namespace({})).mode, "off");
    assert.equal(namespaceInjection(null).mode, "off");
  });
});

describe("inject check", () => {
  test("failed while Istio is not installed, but not while detection is still running", () => {
    const absent = { installed: false, version: null, networkingVersion: null };
    const check = inject.check(snapshot({ istio: absent, namespaceObject: namespace() }));
    assert.equal(check.state, "failed");
    assert.equal(check.detail, "Istio is not installed on this cluster");
    assert.match(fixText(check.fix), /istioctl install/);
    const detecting = inject.check(
      snapshot({ istio: { ...absent, detecting: true }, namespaceObject: namespace() }),
    );
    assert.equal(detecting.state, "pending");
  });

  test("done when the namespace has istio-injection=enabled, with or without pods", () => {
    const bare = inject.check(snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }) }));
    assert.equal(bare.state, "done");
    assert.match(bare.detail, /istio-injection=enabled/);
    const withPods = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), ...bookinfo() }),
    );
    assert.equal(withPods.state, "done");
    assert.match(withPods.detail, /all 6 Bookinfo pods have a sidecar/);
  });

  test("done with istio.io/rev, and with ambient mode even though ambient pods have no sidecar", () => {
    assert.equal(
      inject.check(snapshot({ namespaceObject: namespace({ "istio.io/rev": "default" }) })).state,
      "done",
    );
    const ambient = inject.check(
      snapshot({
        namespaceObject: namespace({ "istio.io/dataplane-mode": "ambient" }),
        ...bookinfo({ sidecar: false }),
      }),
    );
    assert.equal(ambient.state, "done");
    assert.match(ambient.detail, /ambient/);
  });

  test("done without a label when the deployments carry istio-proxy (istioctl kube-inject)", () => {
    const { deployments, pods } = bookinfo({ sidecar: true });
    const injected = deployments.map((d) =>
      withTemplate(d, { containers: [{ name: "app" }, { name: "istio-proxy" }] }),
    );
    const check = inject.check(snapshot({ namespaceObject: namespace(), deployments: injected, pods }));
    assert.equal(check.state, "done");
    assert.match(
      check.detail,
      /all 6 Bookinfo pods have a sidecar: their deployments ask for it, not a namespace label/,
    );
    // Or their template asks the injector for it, in a namespace without an injection label.
    const asking = deployments.map((d) => withTemplate(d, { labels: { "sidecar.istio.io/inject": "true" } }));
    assert.equal(
      inject.check(snapshot({ namespaceObject: namespace(), deployments: asking, pods })).state,
      "done",
    );
  });

  test("sidecars kept from a label that is gone (after a reset): pending, and the detail says why", () => {
    const check = inject.check(snapshot({ namespaceObject: namespace(), ...bookinfo({ sidecar: true }) }));
    assert.equal(check.state, "pending");
    assert.equal(
      check.detail,
      "namespace bookinfo is not labelled for injection: 6 Bookinfo pods keep the sidecar they started with, but new pods would start without one",
    );
    assert.match(fixText(check.fix), /^kubectl label namespace bookinfo istio-injection=enabled$/);
    // Pods whose deployment is gone (being deleted) have nothing that would give them one either.
    const orphans = inject.check(snapshot({ namespaceObject: namespace(), pods: bookinfo().pods }));
    assert.equal(orphans.state, "pending");
    // Injection turned off by label: the template's request does not count, the label wins.
    const { deployments, pods } = bookinfo({ sidecar: true });
    const asking = deployments.map((d) => withTemplate(d, { labels: { "sidecar.istio.io/inject": "true" } }));
    const off = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "disabled" }), deployments: asking, pods }),
    );
    assert.equal(off.state, "pending");
    assert.match(off.detail, /has istio-injection=disabled: 6 Bookinfo pods keep the sidecar/);
    assert.match(fixText(off.fix), /--overwrite/);
  });

  test("pending when the namespace is not labelled", () => {
    const empty = inject.check(snapshot({ namespaceObject: namespace() }));
    assert.equal(empty.state, "pending");
    assert.match(empty.detail, /not labelled/);
    const running = inject.check(snapshot({ namespaceObject: namespace(), ...bookinfo({ sidecar: false }) }));
    assert.equal(running.state, "pending");
    assert.match(running.detail, /6 Bookinfo pods run without a sidecar/);
  });

  test("pending when the namespace does not exist, or injection is turned off", () => {
    assert.match(inject.check(snapshot()).detail, /does not exist/);
    const off = inject.check(snapshot({ namespaceObject: namespace({ "istio-injection": "disabled" }) }));
    assert.equal(off.state, "pending");
    assert.match(fixText(off.fix), /--overwrite/);
  });

  test("a label other than istio-injection=enabled does not count, even with istio.io/rev", () => {
    const check = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "disabled", "istio.io/rev": "default" }) }),
    );
    assert.equal(check.state, "pending");
  });

  test("failed when labelled but pods that started before the label lack the sidecar", () => {
    const { deployments, pods } = bookinfo({ sidecar: true });
    const stale = [pod("reviews-v2", { sidecar: false }), pod("ratings-v1", { sidecar: false })];
    const check = inject.check(
      snapshot({
        namespaceObject: namespace({ "istio-injection": "enabled" }),
        deployments,
        pods: [...pods.filter((p) => !/^(reviews-v2|ratings-v1)/.test(p.metadata.name ?? "")), ...stale],
      }),
    );
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      "2 pods have no sidecar: they started before the namespace was labelled; restart them",
    );
    assert.equal(fixText(check.fix), "kubectl -n bookinfo rollout restart deployment ratings-v1 reviews-v2");
  });

  test("pods that opted out (sidecar.istio.io/inject=false) or are terminating do not count", () => {
    const { deployments } = bookinfo();
    const pods = [
      ...DEPLOYMENTS.map((d) => pod(d)),
      pod("details-v1", { sidecar: false, suffix: "old01", deleting: true }),
      pod("ratings-v1", { sidecar: false, suffix: "optout", labels: { "sidecar.istio.io/inject": "false" } }),
    ];
    const check = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), deployments, pods }),
    );
    assert.equal(check.state, "done");
  });

  test("pending, not failed, while a restart is replacing the pods", () => {
    const deployments = DEPLOYMENTS.map((d) => deployment(d, { rolling: d === "reviews-v1" }));
    const pods = DEPLOYMENTS.map((d) => pod(d, { sidecar: d !== "reviews-v1" }));
    const check = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), deployments, pods }),
    );
    assert.equal(check.state, "pending");
    assert.match(check.detail, /restarting: 1 pod still without a sidecar/);
  });

  test("failed with a different reason when Istio is not installed to inject anything", () => {
    const check = inject.check(
      snapshot({
        namespaceObject: namespace({ "istio-injection": "enabled" }),
        ...bookinfo({ sidecar: false }),
        istio: { installed: false, version: null, networkingVersion: null },
      }),
    );
    assert.equal(check.state, "failed");
    assert.match(check.detail, /Istio is not installed/);
  });

  test("a pod with no deployment behind it gets a delete command instead of a restart", () => {
    const orphan = pod("details-v1", { sidecar: false });
    const check = inject.check(
      snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), pods: [orphan] }),
    );
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      "1 pod has no sidecar: it started before the namespace was labelled; restart it",
    );
    assert.match(fixText(check.fix), new RegExp(`delete pod ${orphan.metadata.name}$`));
  });
});

describe("restart decision", () => {
  test("restarts only the deployments whose pods lack the sidecar, in bookinfo.yaml order", () => {
    const deployments = DEPLOYMENTS.map((d) => deployment(d));
    const pods = DEPLOYMENTS.map((d) =>
      pod(d, { sidecar: !(d.startsWith("reviews") || d === "productpage-v1") }),
    );
    assert.deepEqual(deploymentsNeedingRestart(snapshot({ deployments, pods })), [
      "reviews-v1",
      "reviews-v2",
      "reviews-v3",
      "productpage-v1",
    ]);
  });

  test("nothing to restart when every pod has the sidecar or its deployment is already rolling", () => {
    assert.deepEqual(deploymentsNeedingRestart(snapshot(bookinfo({ sidecar: true }))), []);
    const rolling = snapshot({
      deployments: [deployment("details-v1", { rolling: true })],
      pods: [pod("details-v1", { sidecar: false })],
    });
    assert.deepEqual(deploymentsNeedingRestart(rolling), []);
  });

  test("a deployment of another app in the namespace is left alone", () => {
    const sleep = deployment("sleep-v1");
    const sleepPod = pod("sleep-v1", { sidecar: false });
    assert.deepEqual(deploymentsNeedingRestart(snapshot({ deployments: [sleep], pods: [sleepPod] })), []);
  });
});

describe("inject apply", () => {
  const recorder = recordingContext;

  test("labels the namespace, then restarts deployments whose pods lack the sidecar", async () => {
    const deployments = DEPLOYMENTS.map((d) => deployment(d));
    const pods = DEPLOYMENTS.map((d) => pod(d, { sidecar: d !== "details-v1" }));
    const { calls, context } = recorder(snapshot({ namespaceObject: namespace(), deployments, pods }));
    await inject.apply(context);
    assert.deepEqual(calls, [
      ["labelNamespace", { "istio-injection": "enabled" }],
      ["restartDeployments", ["details-v1"]],
    ]);
  });

  test("does nothing when already labelled and every pod has the sidecar", async () => {
    const { calls, context } = recorder(
      snapshot({ namespaceObject: namespace({ "istio-injection": "enabled" }), ...bookinfo() }),
    );
    await inject.apply(context);
    assert.deepEqual(calls, []);
  });

  test("ambient labels istio.io/dataplane-mode and restarts nothing", async () => {
    const { calls, context } = recorder(
      snapshot({ namespaceObject: namespace(), ...bookinfo({ sidecar: false }) }),
      "ambient",
    );
    await inject.apply(context);
    assert.deepEqual(calls, [["labelNamespace", { "istio.io/dataplane-mode": "ambient" }]]);
  });

  test("istioctl labels nothing; Bookinfo already running without the proxy is re-applied through istioctl", async () => {
    const fresh = recorder(snapshot({ namespaceObject: namespace() }), "istioctl");
    await inject.apply(fresh.context);
    assert.deepEqual(fresh.calls, []);
    const running = recorder(
      snapshot({ namespaceObject: namespace(), ...bookinfo({ sidecar: false }) }),
      "istioctl",
    );
    await inject.apply(running.context);
    assert.deepEqual(running.calls, [["applyWithIstioctl", "bookinfo.yaml"]]);
  });
});

describe("inject commands", () => {
  test("the label command with the real namespace, and the restart when pods need it", () => {
    const deployments = [deployment("details-v1")];
    const pods = [pod("details-v1", { sidecar: false })];
    const commands = inject.commands(snapshot({ namespaceObject: namespace(), deployments, pods }));
    assert.equal(commands[0], "kubectl label namespace bookinfo istio-injection=enabled");
    assert.ok(commands.includes("kubectl -n bookinfo rollout restart deployment details-v1"));
  });

  test("creates the namespace first when it does not exist; --overwrite when the label has another value", () => {
    assert.equal(inject.commands(snapshot())[0], "kubectl create namespace bookinfo");
    const off = inject.commands(snapshot({ namespaceObject: namespace({ "istio-injection": "disabled" }) }));
    assert.equal(off[0], "kubectl label namespace bookinfo istio-injection=enabled --overwrite");
  });
});

describe("a namespace this context may not read", () => {
  const unreadable = {
    namespace: "context c is not allowed to list namespaces (403 Forbidden); ask your cluster admin",
  };

  test("before Bookinfo is deployed, the label is taken as set so the tour can go on", () => {
    const check = inject.check(snapshot({ unreadable }));
    assert.equal(check.state, "done");
    assert.match(
      check.detail,
      /^namespace bookinfo cannot be read with this context, so its injection label is taken as set/,
    );
    assert.ok(!inject.commands(snapshot({ unreadable })).includes("kubectl create namespace bookinfo"));
  });

  test("pods with the sidecar are the proof; pods without it fail with whom to ask", () => {
    assert.deepEqual(inject.check(snapshot({ unreadable, ...bookinfo() })), {
      state: "done",
      detail: "all 6 Bookinfo pods have a sidecar (namespace bookinfo cannot be read with this context)",
    });
    const without = inject.check(snapshot({ unreadable, ...bookinfo({ sidecar: false }) }));
    assert.equal(without.state, "failed");
    assert.equal(
      without.detail,
      "6 Bookinfo pods without a sidecar, and namespace bookinfo cannot be read with this context to label it for injection",
    );
    assert.match(
      fixText(without.fix),
      /^ask your cluster admin to run kubectl label namespace bookinfo istio-injection=enabled, then kubectl -n bookinfo rollout restart deployment /,
    );
  });

  test("the action restarts what lacks the sidecar but never tries to label what it cannot read", async () => {
    const { calls, context } = recordingContext(snapshot({ unreadable, ...bookinfo({ sidecar: false }) }));
    await inject.apply(context);
    assert.ok(calls.length > 0);
    assert.ok(
      calls.every((call) => call[0] !== "labelNamespace"),
      JSON.stringify(calls),
    );
  });
});

/** The deployment with its pod template's containers or labels replaced. */
function withTemplate(
  d: KubeObject,
  change: { containers?: { name: string }[]; labels?: Record<string, string> },
): KubeObject {
  const spec = d.spec as { template: { metadata: { labels: Record<string, string> }; spec?: unknown } };
  return {
    ...d,
    spec: {
      ...spec,
      template: {
        metadata: { labels: { ...spec.template.metadata.labels, ...change.labels } },
        spec: { containers: change.containers ?? [{ name: "app" }] },
      },
    },
  };
}
