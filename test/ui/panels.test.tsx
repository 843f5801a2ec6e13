import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { cleanup, render } from "ink-testing-library";
import { podRows } from "../../source/model/podRows.ts";
import { formatTable } from "../../source/print/table.ts";
import { STAGE_ANNOTATION } from "../../source/tutorial/routing/istio.ts";
import { Footer } from "../../source/ui/components/Footer.tsx";
import { Header } from "../../source/ui/components/Header.tsx";
import { PodTable } from "../../source/ui/components/PodTable.tsx";
import { SamplesPanel } from "../../source/ui/components/SamplesPanel.tsx";
import { StageDetail } from "../../source/ui/components/StageDetail.tsx";
import { StageList } from "../../source/ui/components/StageList.tsx";
import { makeTheme } from "../../source/ui/theme.ts";
import {
  bookinfo,
  DEPLOYMENTS,
  deployment,
  failed,
  NOW,
  namespace,
  ok,
  page,
  pod,
  reviewsVirtualService,
} from "../unit/tutorial/fixtures.ts";
import { deployed, exposed, fresh, routed, themed, viewOf } from "./support.tsx";

afterEach(cleanup);

const frameOf = (element: Parameters<typeof themed>[0], theme = makeTheme()) =>
  render(themed(element, theme)).lastFrame() ?? "";

describe("header", () => {
  test("names the context, namespace, server, Istio version and GATEWAY_URL with how it was found", () => {
    const view = viewOf(fresh(), { size: { columns: 120, rows: 36 } });
    const frame = frameOf(<Header lines={view.header} />);
    assert.match(frame, /context kind-kind {2}namespace bookinfo {2}server https:\/\/127\.0\.0\.1:6443/);
    assert.match(
      frame,
      /Istio 1\.30\.3 {2}GATEWAY_URL 172\.18\.0\.2:31380 \(NodePort on the ingress gateway pod's host IP\)/,
    );
  });

  test("uses short words on 80 columns so the server still fits", () => {
    const frame = frameOf(<Header lines={viewOf(fresh(), { size: { columns: 80, rows: 24 } }).header} />);
    assert.match(frame, /ctx kind-kind {2}ns bookinfo {2}https:\/\/127\.0\.0\.1:6443/);
    assert.match(frame, /GATEWAY_URL 172\.18\.0\.2:31380 \(NodePort\)/);
  });

  test("says when Istio is missing and no address is known", () => {
    const snap = fresh({
      istio: { installed: false, version: null, networkingVersion: null },
      gateway: null,
    });
    const frame = frameOf(<Header lines={viewOf(snap).header} />);
    assert.match(frame, /Istio not installed/);
    assert.match(frame, /GATEWAY_URL not found yet/);
  });

  test("says when this context cannot see the ingress gateway, and what to pass instead", () => {
    const snap = fresh({
      gateway: null,
      unreadable: { ingressPods: "context c is not allowed to list pods (403 Forbidden)" },
    });
    const frame = frameOf(<Header lines={viewOf(snap).header} />);
    assert.match(frame, /GATEWAY_URL unknown \(istio-system not readable: pass --gateway-url\)/);
  });

  test("before the cluster answers, says what start-up is doing", () => {
    const frame = frameOf(<Header lines={viewOf(null).header} />);
    assert.match(frame, /kubectl bookinfo · starting the sandbox…/);
  });
});

describe("stage list", () => {
  test("marks done, running, pending and failed stages and points at the selected one", () => {
    const snap = deployed({
      pods: bookinfo().pods.map((p, i) => (i === 0 ? pod("details-v1", { state: "crashloop" }) : p)),
    });
    const view = viewOf(snap, { ui: { selected: "deploy", running: { id: "gateway", phase: "waiting" } } });
    const frame = frameOf(<StageList stages={view.stageWindow} title={view.stagesTitle} width={60} />);
    const lines = frame.split("\n");
    assert.equal(lines[0], "Lesson 1 of 2: Bookinfo in the mesh");
    assert.match(lines[1]!, /^ {2}✓ 1 Enable sidecar injection/);
    assert.match(lines[2]!, /^› ✗ 2 Deploy Bookinfo/);
    assert.match(lines[3]!, /^ {2}◐ 3 Expose Bookinfo through the ingress gateway/);
    assert.match(lines[4]!, /^ {2}○ 4 Open the product page/);
    assert.match(lines[5]!, /^ {2}○ 5 Route all traffic to v1/);
  });

  test("draws ASCII marks with --ascii", () => {
    const theme = makeTheme({ ascii: true });
    const view = viewOf(deployed(), { theme, ui: { selected: "gateway" } });
    const frame = frameOf(<StageList stages={view.stageWindow} title={null} width={60} />, theme);
    assert.match(frame, /^ {2}\[x\] 1 Enable sidecar injection/m);
    assert.match(frame, /^> \[ \] 3 Expose Bookinfo/m);
    assert.doesNotMatch(frame, /[✓○›]/);
  });

  test("cuts long titles to the column instead of wrapping them", () => {
    const view = viewOf(deployed(), { size: { columns: 80, rows: 24 } });
    const frame = frameOf(<StageList stages={view.stageWindow} title={null} width={view.layout.leftWidth} />);
    assert.equal(frame.split("\n").length, 5);
    assert.match(frame, /3 Expose Bookinfo through the ingr…/);
  });

  test("shows the selected stage's lesson; a lesson longer than the list is a window around the selection", () => {
    const view = viewOf(routed(), { size: { columns: 80, rows: 24 }, ui: { selected: "timeout" } });
    assert.equal(view.stagesTitle, "2/2 Traffic management");
    assert.deepEqual(
      view.stageWindow.map((s) => s.id),
      ["fault-abort", "canary-50", "canary-100", "timeout", "cleanup"],
    );
    const wide = viewOf(routed(), { size: { columns: 120, rows: 36 }, ui: { selected: "route-jason" } });
    assert.equal(wide.stagesTitle, "Lesson 2 of 2: Traffic management");
    assert.equal(wide.stageWindow.length, 7, "the whole lesson fits when there is room");
  });
});

describe("pod table", () => {
  test("prints the pods with kubectl's columns and cells", () => {
    const snap = deployed({ pods: [pod("productpage-v1", { state: "init" }), pod("reviews-v1")] });
    const frame = frameOf(<PodTable table={viewOf(snap).pods} />);
    const expected = [
      "NAME                             READY   STATUS     RESTARTS   AGE",
      "productpage-v1-7d9f8c6b5-x2k9q   0/2     Init:0/1   0          5m",
      "reviews-v1-7d9f8c6b5-x2k9q       2/2     Running    0          5m",
    ];
    assert.deepEqual(frame.split("\n"), expected);
    // The same layout as the printer `status` uses (kubectl's three-space columns).
    const rows = podRows(snap).map((r) => [r.name, r.ready, r.status, r.restartsText, r.age]);
    assert.deepEqual(formatTable(["NAME", "READY", "STATUS", "RESTARTS", "AGE"], rows), expected);
  });

  test("keeps the pods that are changing when they do not all fit, and counts the rest", () => {
    const settled = bookinfo().pods;
    const starting = DEPLOYMENTS.map((d) => pod(d, { state: "creating", suffix: "new01" }));
    const snap = deployed({ pods: [...settled, ...starting] });
    const view = viewOf(snap, { size: { columns: 80, rows: 24 } });
    const frame = frameOf(<PodTable table={view.pods} />);
    const lines = frame.split("\n");
    assert.equal(lines.length, 1 + view.layout.podRows);
    assert.equal(lines.filter((l) => /ContainerCreating/.test(l)).length, view.layout.podRows - 1);
    assert.match(lines.at(-1)!, /… and \d+ more pods/);
  });

  test("says when the namespace has no pods yet", () => {
    const frame = frameOf(<PodTable table={viewOf(fresh()).pods} />);
    assert.match(frame, /No pods in namespace bookinfo yet; the deploy stage creates them\./);
  });
});

describe("samples panel", () => {
  const panel = (snap: Parameters<typeof viewOf>[0], options: Parameters<typeof viewOf>[1] = {}) => {
    const view = viewOf(snap, { size: { columns: 120, rows: 36 }, ...options });
    return frameOf(<SamplesPanel lines={view.samples} width={view.layout.rightWidth} />);
  };

  test("before the gateway: the refusals, per stream", () => {
    const frame = panel(fresh());
    assert.match(frame, /Samples · latest · 4\/s each/);
    assert.match(frame, /^ +anonymous 12 requests +jason no answers yet/m);
    assert.match(frame, /^codes +refused×12$/m);
    assert.match(frame, /^v1 +░+ +0% /m);
  });

  test("after the gateway: the three-way mix next to the split the Service gives", () => {
    const frame = panel(exposed());
    assert.match(frame, /^codes +200×30$/m);
    for (const v of ["v1", "v2", "v3"]) assert.match(frame, new RegExp(`^${v} +█+░+ +33% cfg 33 `, "m"));
    assert.match(frame, /^p50\/95 20\/20 ms/m);
    assert.match(frame, /cfg: no VirtualService for reviews: v1 33%, v2 33%, v3 33%/);
  });

  test("after route-v1: v1 100 %, as the VirtualService says", () => {
    const frame = panel(routed());
    assert.match(frame, /^v1 +█+ 100% cfg100 /m);
    assert.match(frame, /^v2 +░+ +0% cfg {2}0 /m);
    assert.match(frame, /cfg: reviews: v1 100%/);
  });

  test("the streams side by side: jason v2, anonymous v1, and jason's slow pages without reviews", () => {
    const jasonRule = reviewsVirtualService([
      {
        match: [{ headers: { "end-user": { exact: "jason" } } }],
        route: [{ destination: { host: "reviews", subset: "v2" } }],
      },
      { route: [{ destination: { host: "reviews", subset: "v1" } }] },
    ]);
    const snap = routed({
      virtualServices: [...routed().virtualServices.filter((v) => v.metadata.name !== "reviews"), jasonRule],
      samples: [
        ...Array.from({ length: 6 }, (_, i) => page("anonymous", NOW + i, { version: "v1", latencyMs: 12 })),
        ...Array.from({ length: 3 }, (_, i) =>
          page("jason", NOW + i, { pageErrors: ["reviews"], latencyMs: 6010 }),
        ),
      ],
    });
    const frame = panel(snap);
    assert.match(frame, /^ +anonymous 6 requests +jason 3 requests/m);
    assert.match(frame, /^v1 +█+ 100% cfg100 +░+ +0% cfg {2}0/m);
    assert.match(frame, /^v2 +░+ +0% cfg {2}0 +░+ +0% cfg100/m);
    assert.match(frame, /^no rev +░+ +0% cfg {2}0 +█+ 100% cfg {2}0/m);
    assert.match(frame, /^p50\/95 12\/12 ms +6\.0\/6\.0 s/m);
    assert.match(frame, /cfg anonymous: reviews rule 2: v1 100%/);
    assert.match(frame, /cfg jason: reviews rule 1 \(end-user exact jason\): v2 100%$/m);
  });

  test("counts codes and error kinds apart", () => {
    const frame = panel(
      exposed({ samples: [ok("v1"), failed(503), failed(404), failed("timeout"), failed("refused")] }),
    );
    // The column holds what fits; the figures behind it are all there.
    assert.match(frame, /^codes +200×1 404×1 503×1 refuse…$/m);
    const view = viewOf(
      exposed({ samples: [ok("v1"), failed(503), failed(404), failed("timeout"), failed("refused")] }),
    );
    assert.ok(view.samples.length > 0);
  });

  test("counts from the last routing change, so the split shows what the routing does now", () => {
    const old = Array.from({ length: 20 }, (_, i) => ({
      ...ok((["v1", "v2", "v3"] as const)[i % 3]),
      at: NOW - 60_000,
    }));
    const now = Array.from({ length: 8 }, () => ok("v1"));
    const frame = panel(routed({ samples: [...old, ...now] }), { configChangedAt: NOW - 1_000 });
    assert.match(frame, /since the routing changed/);
    assert.match(frame, /anonymous 8 requests/);
    assert.match(frame, /^v1 +█+ 100% /m);
  });

  test("on 80 columns the codes follow each stream's name, and every line fits", () => {
    const view = viewOf(exposed(), { size: { columns: 80, rows: 24 } });
    const frame = frameOf(<SamplesPanel lines={view.samples} width={view.layout.rightWidth} />);
    assert.match(frame, /^ +anon 200×30 /m);
    for (const line of frame.split("\n")) assert.ok([...line].length <= view.layout.rightWidth, line);
    assert.equal(frame.split("\n").length, view.layout.samplesLines);
  });

  test("before the first answer: no latency figures, rather than a 0 that reads as one", () => {
    const frame = panel(fresh({ samples: [] }));
    assert.match(frame, /no answers yet/);
    assert.match(frame, /^p50\/95 +– +–$/m);
    assert.doesNotMatch(frame, /\b0 ms/);
  });

  test("without an address there is nothing to sample", () => {
    const frame = panel(fresh({ gateway: null, samples: [] }));
    assert.match(frame, /No GATEWAY_URL yet: nothing to request\./);
  });
});

describe("stage detail", () => {
  const detail = (snap: Parameters<typeof viewOf>[0], options: Parameters<typeof viewOf>[1] = {}) =>
    frameOf(<StageDetail lines={viewOf(snap, { size: { columns: 120, rows: 40 }, ...options }).detail} />);

  test("says what the stage does and why, with the commands to do it by hand", () => {
    const frame = detail(fresh(), { ui: { selected: "inject" } });
    assert.match(frame, /○ 1 Enable sidecar injection {2}· pending/);
    assert.match(frame, /Now: namespace bookinfo is not labelled for injection/);
    assert.match(frame, /Why: Istio manages traffic through a proxy/);
    assert.match(frame, /^kubectl label namespace bookinfo istio-injection=enabled$/m);
  });

  test("pods without a sidecar: the cause, and r as the fix", () => {
    const snap = deployed({ ...bookinfo({ sidecar: false }) });
    const frame = detail(snap, { ui: { selected: "inject" } });
    assert.match(frame, /✗ 1 Enable sidecar injection {2}· failed/);
    assert.match(
      frame,
      /Cause: 6 pods have no sidecar: they started before the namespace was labelled; restart them/,
    );
    assert.match(
      frame,
      /Fix: press r to restart its 6 deployments \(kubectl -n bookinfo rollout restart deployment/,
    );
  });

  test("a crashing pod: which one, and where to look", () => {
    const pods = bookinfo().pods.map((p) =>
      p.metadata.name?.startsWith("ratings") ? pod("ratings-v1", { state: "crashloop" }) : p,
    );
    const frame = detail(deployed({ pods }), { ui: { selected: "deploy" } });
    assert.match(frame, /Cause: ratings-v1-7d9f8c6b5-x2k9q is CrashLoopBackOff/);
    assert.match(
      frame,
      /Fix: see why it exits: kubectl -n bookinfo logs ratings-v1-7d9f8c6b5-x2k9q -c ratings --previous/,
    );
  });

  test("a refused apply: what the cluster said", () => {
    const frame = detail(deployed({ deployments: [deployment("details-v1")] }), {
      ui: {
        selected: "deploy",
        applyError: { id: "deploy", message: "forbidden: User cannot create deployments" },
      },
    });
    assert.match(frame, /✗ 2 Deploy Bookinfo {2}· failed/);
    assert.match(frame, /Failed to apply: forbidden: User cannot create deployments/);
  });

  test("a failure after the gateway: the answer and what it means", () => {
    const frame = detail(exposed({ samples: [failed(503)] }), { ui: { selected: "verify" } });
    assert.match(frame, /Cause: 503 Service Unavailable/);
    assert.match(frame, /Fix: productpage has no ready pods/);
  });

  test("y shows the stage's commands and the YAML it applies, in full", () => {
    const files = { dir: "manifests", names: new Set(["bookinfo-gateway.yaml"]) };
    const view = viewOf(deployed(), { ui: { selected: "gateway", panel: "yaml" }, files });
    const frame = frameOf(<StageDetail lines={view.detail} />);
    assert.match(frame, /gateway: commands and YAML {2}lines 1-9 of 9/);
    assert.equal(view.yaml?.lines, 9);
    const lines = frame.split("\n");
    assert.equal(lines.length, 10, "the title and the nine lines it says it shows");
    assert.equal(lines[1], "# Run it yourself:");
    assert.equal(lines[2], "kubectl -n bookinfo apply -f manifests/bookinfo-gateway.yaml");
    assert.match(frame, /^export GATEWAY_URL=\$INGRESS_HOST:\$INGRESS_PORT$/m);
    assert.match(frame, /^# manifests\/bookinfo-gateway\.yaml$/m);
    assert.match(frame, /^# text of bookinfo-gateway\.yaml$/m);
    // Without the tour's files on disk, Istio's release paths, and a note saying so.
    const release = frameOf(
      <StageDetail lines={viewOf(deployed(), { ui: { selected: "gateway", panel: "yaml" } }).detail} />,
    );
    assert.match(
      release,
      /^# Run it yourself \(paths as in an Istio release: run them from the istio-<version> directory\):$/m,
    );
    assert.match(
      release,
      /^kubectl -n bookinfo apply -f samples\/bookinfo\/networking\/bookinfo-gateway\.yaml$/m,
    );
    const none = frameOf(
      <StageDetail lines={viewOf(deployed(), { ui: { selected: "inject", panel: "yaml" } }).detail} />,
    );
    assert.match(none, /^inject: commands {2}lines 1-/m);
  });

  test("the commands view scrolls sideways: an ellipsis says which way there is more", () => {
    const view = viewOf(deployed(), {
      size: { columns: 80, rows: 28 },
      ui: { selected: "gateway", panel: "yaml", yamlShift: 40 },
    });
    const frame = frameOf(<StageDetail lines={view.detail} />);
    assert.match(
      frame,
      /^…stem get pod -l istio=ingressgateway -o jsonpath='\{\.items\[0\]\.status\.hostIP\}'\)$/m,
    );
    assert.match(frame, /^…_PORT$/m);
    for (const line of frame.split("\n")) assert.ok([...line].length <= 80, line);
  });

  test("? lists the keys", () => {
    const frame = detail(deployed(), { ui: { panel: "help" } });
    for (const key of ["j/k", "Enter", "n", "r", "s", "y", "q, Ctrl-C"]) assert.ok(frame.includes(key), key);
  });

  test("keeps to its budget on 80x24: outcome and commands before the prose, each command one line", () => {
    const view = viewOf(deployed(), { size: { columns: 80, rows: 24 }, ui: { selected: "gateway" } });
    const frame = frameOf(<StageDetail lines={view.detail} />);
    const lines = frame.split("\n");
    assert.ok(lines.length <= view.layout.detailLines, `${lines.length} > ${view.layout.detailLines}`);
    assert.match(frame, /Now: Gateway bookinfo-gateway and VirtualService bookinfo not applied/);
    assert.match(
      frame,
      /^kubectl -n bookinfo apply -f samples\/bookinfo\/networking\/bookinfo-gateway\.yaml$/m,
    );
    // The exports do not fit: a line says so, and where they are.
    assert.match(frame, /^… 3 more commands: y shows them all, c copies them$/m);
    assert.doesNotMatch(frame, /^\s+jsonpath/m, "no command continues on a second line");
    for (const line of lines) assert.ok([...line].length <= 80, line);
    // With room enough, all of them.
    const tall = viewOf(deployed(), { size: { columns: 80, rows: 40 }, ui: { selected: "gateway" } });
    const all = frameOf(<StageDetail lines={tall.detail} />);
    assert.match(all, /^export GATEWAY_URL=\$INGRESS_HOST:\$INGRESS_PORT$/m);
    assert.doesNotMatch(all, /more commands?:/);
  });
});

describe("footer", () => {
  test("shows the message, or what to do next, above the keys", () => {
    const view = viewOf(deployed());
    const frame = frameOf(<Footer message={view.message} keys={view.footer} />);
    assert.match(frame, /Press n to run stage 3: Expose Bookinfo through the ingress gateway/);
    assert.match(
      frame,
      /↑↓ jk select {2}⏎ run {2}n next {2}r restart {2}s sample {2}y YAML {2}c copy {2}\? help {2}q quit/,
    );
    // Where the line is short, the keys a person can most easily do without make room; q stays.
    const narrow = viewOf(deployed(), { size: { columns: 60, rows: 16 } })
      .footer.map((s) => s.text)
      .join("");
    assert.equal(narrow, "⏎ run  n next  s sample  y YAML  c copy  ? help  q quit");
  });

  test("says so when every stage is done, and when Istio is missing", () => {
    assert.match(
      frameOf(<Footer {...footerOf(routed())} />),
      /Press n to run stage 6: Route jason to reviews v2/,
    );
    assert.match(frameOf(<Footer {...footerOf(cleanedUp())} />), /All 12 stages are done\./);
    const noIstio = fresh({ istio: { installed: false, version: null, networkingVersion: null } });
    assert.match(frameOf(<Footer {...footerOf(noIstio)} />), /Istio is not installed on this cluster/);
  });

  const footerOf = (snap: Parameters<typeof viewOf>[0]) => {
    const view = viewOf(snap);
    return { message: view.message, keys: view.footer };
  };
});

/** The end of the traffic-management lesson: all-v1 with cleanup's mark, v1 pages on both streams. */
function cleanedUp() {
  const base = routed();
  return routed({
    virtualServices: base.virtualServices.map((vs) =>
      vs.metadata.name === "reviews"
        ? { ...vs, metadata: { ...vs.metadata, annotations: { [STAGE_ANNOTATION]: "cleanup" } } }
        : vs,
    ),
    samples: ["anonymous", "jason"].flatMap((stream) =>
      Array.from({ length: 6 }, (_, i) => page(stream, NOW + i, { version: "v1" })),
    ),
  });
}

test("the namespace helper is what the stages read", () => {
  assert.equal(namespace({ a: "b" }).metadata.labels?.a, "b");
});
