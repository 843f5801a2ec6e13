import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyze } from "../../source/analysis/analyze.ts";
import type { KubeObject } from "../../source/model/kube.ts";
import { cells } from "../../source/ui/text.ts";
import { makeTheme } from "../../source/ui/theme.ts";
import { initialUiState, uiReducer } from "../../source/ui/uiState.ts";
import type { Line } from "../../source/ui/view.ts";
import { manifest, NS, ok } from "../unit/tutorial/fixtures.ts";
import { exposed, fresh, routed, viewOf } from "./support.tsx";

// The mesh analysis on the tour's screen: one line under the stages and samples, and the findings
// that explain a failed stage under its cause.

const text = (line: Line) => line.map((s) => s.text).join("");

const gatewayFile = manifest("bookinfo-gateway.yaml");
const at = (object: KubeObject, namespace: string, created: string): KubeObject => ({
  ...object,
  metadata: { ...object.metadata, namespace, uid: `${namespace}-${object.kind}`, creationTimestamp: created },
});
/** The tour's namespace exposed, and namespace default's Bookinfo on the same host and port, older. */
function conflicting() {
  const mine = gatewayFile.map((o) => at(o, NS, "2025-06-01T11:00:00Z"));
  const theirs = gatewayFile.map((o) => at(o, "default", "2025-06-01T10:00:00Z"));
  return exposed({
    gateways: mine.filter((o) => o.kind === "Gateway"),
    virtualServices: mine.filter((o) => o.kind === "VirtualService"),
    clusterGateways: [...theirs, ...mine].filter((o) => o.kind === "Gateway"),
    clusterVirtualServices: [...theirs, ...mine].filter((o) => o.kind === "VirtualService"),
    samples: Array.from({ length: 12 }, () => ({ ...ok("v2"), reviewsPod: "reviews-v2-5b667bcbf8-abcde" })),
  });
}

describe("the findings line", () => {
  const linesOf = (snap: ReturnType<typeof exposed>, columns: number, rows: number, theme = makeTheme()) =>
    viewOf(snap, { size: { columns, rows }, theme }).findings;

  test("nothing found says so, quietly", () => {
    const lines = linesOf(exposed(), 80, 24);
    assert.deepEqual(lines.map(text), ["✓ Mesh configuration: istioctl analyze's checks find nothing"]);
  });

  test("80x24: the conflict on the shared ingress in one line, cut to fit", () => {
    const lines = linesOf(conflicting(), 80, 24);
    assert.equal(lines.length, 1);
    const [shown] = lines.map(text);
    assert.ok(cells(shown!) <= 80, shown);
    assert.match(
      shown!,
      /^✗ IST0145 Gateway bookinfo\/bookinfo-gateway conflicts with default\/bookinfo-gat/,
    );
    assert.match(shown!, /…$/);
    assert.equal(lines[0]?.find((s) => s.text.startsWith(" Gateway"))?.tone, "bad");
  });

  test("120x36: two lines hold all of it, whose Bookinfo gets the traffic included, and the count", () => {
    const lines = linesOf(conflicting(), 120, 36).map(text);
    assert.equal(lines.length, 2);
    for (const line of lines) assert.ok(cells(line) <= 120, line);
    assert.match(
      lines.join(" ").replace(/\s+/g, " "),
      /^✗ IST0145 Gateway bookinfo\/bookinfo-gateway conflicts with default\/bookinfo-gateway on host \* port 8080; traffic reaches default's Bookinfo · \+1 more: kubectl bookinfo analyze$/,
    );
  });

  test("what only a later lesson routes through is listed but muted", () => {
    // destination-rule-all.yaml defines ratings v2 and details v2, which Bookinfo does not deploy.
    const lines = linesOf(routed(), 120, 36);
    assert.match(text(lines[0]!), /^✗ IST0173 subset v2 of DestinationRule bookinfo\/details selects no pod/);
    assert.ok(
      lines.flat().every((s) => s.tone === "dim" || s.tone === "strong" || s.text.trim() === ""),
      JSON.stringify(lines),
    );
  });

  test("an empty namespace answered by another namespace's Bookinfo says so, and verify is not done", () => {
    const snap = fresh({ samples: [{ ...ok("v1"), reviewsPod: "reviews-v1-5b667bcbf8-abcde" }] });
    const view = viewOf(snap, { size: { columns: 120, rows: 36 } });
    assert.match(text(view.findings[0]!), /^! KBI0001 GATEWAY_URL answers with another namespace's Bookinfo/);
    assert.notEqual(view.stages.find((s) => s.id === "verify")?.display, "done");
  });

  test("in ASCII the marks are ASCII", () => {
    const lines = linesOf(conflicting(), 80, 24, makeTheme({ ascii: true })).map(text);
    assert.match(lines[0]!, /^\[!\] IST0145 /);
    assert.ok(
      [...lines.join("")].every((c) => c.charCodeAt(0) < 128),
      lines.join(""),
    );
  });
});

describe("a failed stage's cause", () => {
  test("names the findings that explain it, in their codes", () => {
    const view = viewOf(conflicting(), {
      size: { columns: 120, rows: 36 },
      ui: { selected: "verify", followTour: false },
    });
    const detail = view.detail.map(text).join("\n").replaceAll("\n  ", " ");
    assert.match(detail, /Cause: 200 OK from another namespace's Bookinfo/);
    assert.match(
      detail,
      /IST0145: Gateway bookinfo\/bookinfo-gateway conflicts with default\/bookinfo-gateway on host \* port 8080; traffic reaches default's Bookinfo/,
    );
    assert.match(detail, /KBI0001: GATEWAY_URL answers with default's Bookinfo/);
  });

  test("a stage that is not failed shows no findings under it", () => {
    const view = viewOf(conflicting(), {
      size: { columns: 120, rows: 36 },
      ui: { selected: "deploy", followTour: false },
    });
    assert.doesNotMatch(view.detail.map(text).join("\n"), /IST0145/);
  });
});

describe("the log of a stage the tour gave up on", () => {
  test("names the findings that explain it, under the stage's line", () => {
    const [finding] = analyze(conflicting());
    assert.ok(finding);
    const state = uiReducer(initialUiState(), {
      type: "event",
      event: {
        type: "failed",
        stage: "verify",
        number: 4,
        check: { state: "failed", detail: "200 OK from another namespace's Bookinfo" },
        why: "check",
        findings: [finding],
      },
    });
    assert.deepEqual(
      state.log.map((l) => l.text),
      [
        "Stage 4 gave up: 200 OK from another namespace's Bookinfo",
        "    IST0145: Gateway bookinfo/bookinfo-gateway conflicts with default/bookinfo-gateway on host * port 8080; traffic reaches default's Bookinfo",
      ],
    );
  });
});
