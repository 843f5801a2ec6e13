import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import type { Snapshot } from "../../../source/model/snapshot.ts";
import {
  allDone,
  nextPendingStage,
  STAGE_IDS,
  STAGES,
  stageById,
  stageChecks,
} from "../../../source/tutorial/lessons.ts";
import {
  bookinfo,
  ingressPod,
  ingressService,
  manifest,
  namespace,
  nodePortGateway,
  ok,
  snapshot,
} from "./fixtures.ts";

test("the end of a tour is worded for its number of stages", () => {
  assert.equal(allDone(5), "All 5 stages are done");
  assert.equal(allDone(1), "The stage is done");
});

describe("STAGES", () => {
  test("are the tour's stages in STAGE_IDS order", () => {
    assert.deepEqual(
      STAGES.map((s) => s.id),
      STAGE_IDS,
    );
    assert.equal(stageById("gateway").id, "gateway");
    assert.throws(() => stageById("nope" as never), /unknown stage nope/);
  });

  test("each has a title, a why of two or three sentences, and manifests that exist", () => {
    for (const stage of STAGES) {
      assert.ok(stage.title.length > 0, stage.id);
      const sentences = stage.why.split(/(?<=[.!?])\s+/).filter(Boolean);
      assert.ok(sentences.length >= 2 && sentences.length <= 3, `${stage.id}: ${sentences.length} sentences`);
      for (const file of stage.manifests) {
        assert.ok(existsSync(new URL(`../../../manifests/${file}`, import.meta.url)), `${stage.id}: ${file}`);
      }
    }
  });

  test("commands name the real namespace", () => {
    const s = snapshot({ namespace: "shop", namespaceObject: null });
    for (const stage of STAGES.filter((st) => st.id !== "verify")) {
      assert.ok(
        stage.commands(s).some((c) => / (-n )?shop( |$)/.test(c) || c.includes("namespace shop")),
        stage.id,
      );
    }
  });
});

describe("stageChecks and nextPendingStage", () => {
  const fresh = snapshot({ namespaceObject: namespace() });
  const labelled = { ...fresh, namespaceObject: namespace({ "istio-injection": "enabled" }) };
  const deployed: Snapshot = { ...labelled, ...bookinfo() };
  const exposed: Snapshot = {
    ...deployed,
    gateways: manifest("bookinfo-gateway.yaml").filter((o) => o.kind === "Gateway"),
    virtualServices: manifest("bookinfo-gateway.yaml").filter((o) => o.kind === "VirtualService"),
    ingressPods: [ingressPod()],
    ingressService: ingressService(),
    gateway: nodePortGateway,
  };
  const verified: Snapshot = { ...exposed, samples: [ok("v2"), ok("v3")] };
  const routed: Snapshot = {
    ...verified,
    destinationRules: manifest("destination-rule-all.yaml"),
    virtualServices: [...exposed.virtualServices, ...manifest("virtual-service-all-v1.yaml")],
    samples: [...verified.samples, ...Array.from({ length: 10 }, () => ok("v1"))],
  };

  test("walk the tour stage by stage as the cluster changes", () => {
    assert.equal(nextPendingStage(fresh)?.id, "inject");
    assert.equal(nextPendingStage(labelled)?.id, "deploy");
    assert.equal(nextPendingStage(deployed)?.id, "gateway");
    assert.equal(nextPendingStage(exposed)?.id, "verify");
    assert.equal(nextPendingStage(verified)?.id, "route-v1");
    // The first lesson is done; the second starts from its state.
    assert.equal(nextPendingStage(routed)?.id, "route-jason");
  });

  test("stageChecks reports every stage in order", () => {
    const results = stageChecks(verified);
    assert.deepEqual(
      results.map((r) => [r.stage.id, r.check.state]),
      [
        ["inject", "done"],
        ["deploy", "done"],
        ["gateway", "done"],
        ["verify", "done"],
        ["route-v1", "pending"],
        ["route-jason", "pending"],
        ["fault-delay", "pending"],
        ["fault-abort", "pending"],
        ["canary-50", "pending"],
        ["canary-100", "pending"],
        ["timeout", "pending"],
        ["cleanup", "pending"],
      ],
    );
  });

  test("a failed stage is where the tour stands", () => {
    const broken: Snapshot = { ...labelled, ...bookinfo({ sidecar: false }) };
    const [first] = stageChecks(broken);
    assert.equal(first!.check.state, "failed");
    assert.equal(nextPendingStage(broken)?.id, "inject");
  });
});
