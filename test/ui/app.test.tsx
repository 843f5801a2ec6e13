import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { cleanup, render } from "ink-testing-library";
import { ForeignObjectError } from "../../source/cluster/errors.ts";
import { TourApp, type TourEvent, type TourPort } from "../../source/ui/TourApp.tsx";
import { makeTheme } from "../../source/ui/theme.ts";
import { bookinfo, DEPLOYMENTS, manifest, namespace, pod } from "../unit/tutorial/fixtures.ts";
import {
  deployed,
  exposed,
  FakeSession,
  fresh,
  KEY,
  press,
  ready,
  routed,
  waitForFrame,
} from "./support.tsx";

afterEach(cleanup);

interface Options {
  session?: TourPort | null;
  size?: { columns: number; rows: number };
  hasIstioctl?: boolean;
  ascii?: boolean;
}

function mount(options: Options = {}) {
  const exits: number[] = [];
  const listeners = new Set<(event: TourEvent) => void>();
  const events = {
    subscribe(listener: (event: TourEvent) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (event: TourEvent) => {
      for (const l of listeners) l(event);
    },
  };
  const element = (session: TourPort | null) => (
    <TourApp
      session={session}
      bootText="starting the sandbox"
      events={events}
      theme={makeTheme({ ascii: options.ascii })}
      window={100}
      rate={4}
      hasIstioctl={options.hasIstioctl ?? false}
      onExit={(code) => exits.push(code)}
      size={options.size ?? { columns: 120, rows: 36 }}
      feedOptions={{ intervalMs: 0, clockMs: 0 }}
    />
  );
  const instance = render(element(options.session === undefined ? null : options.session));
  return { instance, exits, events, rerender: (s: TourPort | null) => instance.rerender(element(s)) };
}

describe("the tour screen", () => {
  test("shows the stage titles at once, then the cluster once the session is open", async () => {
    const { instance, rerender } = mount();
    const first = await waitForFrame(instance, /starting the sandbox…/);
    for (const title of [
      "Enable sidecar injection",
      "Deploy Bookinfo",
      "Expose Bookinfo through the ingress gateway",
      "Open the product page",
      "Route all traffic to v1",
    ]) {
      assert.ok(first.includes(title), title);
    }
    rerender(new FakeSession(fresh()));
    await waitForFrame(instance, /GATEWAY_URL 172\.18\.0\.2:31380/);
  });

  for (const size of [
    { columns: 60, rows: 16 },
    { columns: 70, rows: 28 },
    { columns: 80, rows: 24 },
    { columns: 120, rows: 36 },
    { columns: 160, rows: 50 },
  ]) {
    test(`fills ${size.columns}x${size.rows} in every state but its last line, never wider`, async () => {
      const restarting = deployed({
        pods: [...bookinfo().pods, ...DEPLOYMENTS.map((d) => pod(d, { state: "creating", suffix: "new01" }))],
      });
      const states = [fresh(), deployed(), restarting, exposed(), routed()];
      for (const snap of states) {
        const session = new FakeSession(snap);
        const { instance } = mount({ session, size });
        await ready(instance);
        for (const keys of ["", "y", "y?", "?"]) {
          if (keys) instance.stdin.write(keys.slice(-1));
          await new Promise((resolve) => setTimeout(resolve, 20));
          const frame = instance.lastFrame() ?? "";
          const lines = frame.split("\n");
          assert.equal(lines.length, size.rows - 1, `${lines.length} lines for ${size.rows} rows:\n${frame}`);
          for (const line of lines) assert.ok([...line].length <= size.columns, `too wide: ${line}`);
        }
        instance.unmount();
      }
    });
  }

  test("n runs the next stage; it shows running until the cluster says done", async () => {
    const session = new FakeSession(fresh());
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "n", /◐ 1 Enable sidecar injection/);
    assert.deepEqual(session.calls, [["labelNamespace", { "istio-injection": "enabled" }]]);
    session.set(fresh({ namespaceObject: namespace({ "istio-injection": "enabled" }) }));
    const frame = await waitForFrame(
      instance,
      /Stage 1 done: namespace bookinfo labelled istio-injection=enabled/,
    );
    // The stage just run stays selected, its outcome on screen; n moves on.
    assert.match(frame, /› ✓ 1 Enable sidecar injection/);
    assert.match(frame, /Outcome: namespace bookinfo labelled istio-injection=enabled/);
    await press(instance, "n", /› ◐ 2 Deploy Bookinfo/);
    assert.deepEqual(session.calls.at(-1), ["applyManifest", "bookinfo.yaml"]);
  });

  test("a stage that gets done without being run is logged once", async () => {
    const session = new FakeSession(exposed({ samples: [] }));
    const { instance } = mount({ session });
    await ready(instance);
    await waitForFrame(instance, /○ 4 Open the product page/);
    session.set(exposed());
    const frame = await waitForFrame(instance, /✓ Stage 4 done: 200 OK, reviews v3/);
    assert.equal(frame.match(/Stage 4 done/g)?.length, 1);
  });

  test("j/k and the arrows move the cursor; Enter runs the selected stage", async () => {
    const session = new FakeSession(deployed());
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "j", /› ○ 4 Open the product page/);
    await press(instance, KEY.up, /› ○ 3 Expose/);
    await press(instance, "k", /› ✓ 2 Deploy/);
    await press(instance, KEY.enter, /◐ 2 Deploy|Stage 2/);
    assert.deepEqual(session.calls, [["applyManifest", "bookinfo.yaml"]]);
  });

  test("a stage the cluster refuses is marked failed with what it said", async () => {
    const session = new FakeSession(deployed());
    session.onAction = async () => {
      throw new Error("gateways.networking.istio.io is forbidden: User cannot create");
    };
    const { instance } = mount({ session });
    await ready(instance);
    const frame = await press(instance, "n", /Failed to apply: gateways\.networking\.istio\.io is forbidden/);
    assert.match(frame, /✗ 3 Expose Bookinfo/);
    assert.match(frame, /✗ Stage 3 failed: gateways/);
  });

  test("how to inject is a choice when istioctl is on PATH, and deploy follows it", async () => {
    const session = new FakeSession(fresh());
    const { instance } = mount({ session, hasIstioctl: true });
    await ready(instance);
    const frame = await press(instance, "n", /How should Istio's proxy get into the pods\?/);
    assert.match(frame, /› Label the namespace \(istio-injection=enabled\)/);
    assert.match(frame, /istioctl kube-inject/);
    assert.doesNotMatch(frame, /Ambient/);
    await press(instance, KEY.down, /› istioctl kube-inject/);
    await press(instance, KEY.enter, /◐ 1 Enable/);
    // Nothing to inject before Bookinfo exists: no label, no change; n goes on to deploy, which
    // goes through istioctl too.
    assert.deepEqual(session.calls, []);
    instance.stdin.write("n");
    await waitForFrame(instance, () => session.calls.length === 1);
    assert.deepEqual(session.calls[0], ["applyWithIstioctl", "bookinfo.yaml"]);
  });

  test("ambient is offered only where Istio has it; Esc leaves the choice", async () => {
    const snap = fresh({
      istio: { installed: true, version: "1.28.1", networkingVersion: "v1", ambient: true },
    });
    const session = new FakeSession(snap);
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "n", /Ambient mode \(istio\.io\/dataplane-mode=ambient\)/);
    const frame = await press(instance, KEY.escape, (f) => !f.includes("How should"));
    assert.match(frame, /Now: namespace bookinfo is not labelled/);
    assert.deepEqual(session.calls, []);
  });

  test("r restarts the pods without a sidecar; s takes 100 samples", async () => {
    const session = new FakeSession(deployed({ ...bookinfo({ sidecar: false }) }));
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "r", /Restarted 1 deployment; the new pods start with the sidecar\./);
    await press(instance, "s", /Sent 100 requests/);
    assert.deepEqual(session.calls, [["restartForSidecar"], ["burst", 100]]);
  });

  test("s without an address says there is nothing to sample", async () => {
    const session = new FakeSession(fresh({ gateway: null, samples: [] }));
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "s", /No GATEWAY_URL yet: nothing to send requests to\./);
    assert.deepEqual(session.calls, []);
  });

  test("y shows the selected stage's YAML and scrolls it; ? shows the keys; Esc goes back", async () => {
    const session = new FakeSession(deployed());
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "y", /# the text of bookinfo-gateway\.yaml/);
    await press(instance, "?", /Keys/);
    await press(instance, KEY.escape, /Why: Nothing outside the cluster can reach Bookinfo yet/);
  });

  test("on 80x24 the keys scroll with PgDn, and a line says how many are below", async () => {
    const session = new FakeSession(deployed());
    const { instance } = mount({ session, size: { columns: 80, rows: 24 } });
    await ready(instance);
    const first = await press(instance, "?", /^… \d+ more: PgUp\/PgDn scroll$/m);
    assert.doesNotMatch(first, /q, Ctrl-C/);
    await press(instance, KEY.pageDown, /^… \d+ above, \d+ more: PgUp\/PgDn scroll$/m);
    // However many pages the keys take at this height, the last one ends with q.
    let last = "";
    for (let page = 0; page < 6 && !/^q, Ctrl-C +quit/m.test(last); page++)
      last = await press(instance, KEY.pageDown, /^… \d+ above, \d+ more: PgUp\/PgDn scroll$/m);
    assert.match(last, /^… \d+ above, 0 more: PgUp\/PgDn scroll$/m);
  });

  test("a key the tour does not have says so, and where the keys are", async () => {
    const session = new FakeSession(deployed());
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "x", /x is not one of the tour's keys; \? lists them\./);
    assert.deepEqual(session.calls, []);
  });

  test("without Istio nothing is applied, and the screen says why", async () => {
    const session = new FakeSession(
      fresh({ istio: { installed: false, version: null, networkingVersion: null } }),
    );
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "n", /Istio is not installed on this cluster: install it first/);
    assert.deepEqual(session.calls, []);
  });

  test("a watch being retried shows as a message; changes applied show above the screen", async () => {
    const session = new FakeSession(fresh());
    const { instance, events } = mount({ session });
    await ready(instance);
    events.emit({ kind: "problem", text: "A watch failed and is being retried: connection reset" });
    await waitForFrame(instance, /A watch failed and is being retried/);
    events.emit({ kind: "line", text: "namespace/bookinfo labeled" });
    await waitForFrame(instance, /^ {4}namespace\/bookinfo labeled$/m);
  });

  test("q quits with 0, Ctrl-C with 130", async () => {
    const first = mount({ session: new FakeSession(fresh()) });
    await ready(first.instance);
    first.instance.stdin.write("q");
    await waitForFrame(first.instance, () => first.exits.length > 0);
    assert.deepEqual(first.exits, [0]);
    const second = mount({ session: new FakeSession(fresh()) });
    await ready(second.instance);
    second.instance.stdin.write(KEY.ctrlC);
    await waitForFrame(second.instance, () => second.exits.length > 0);
    assert.deepEqual(second.exits, [130]);
  });

  test("keys typed faster than a read count one by one, and q among them quits", async () => {
    const session = new FakeSession(deployed());
    const { instance, exits } = mount({ session });
    await ready(instance);
    await press(instance, "jj", /› ○ 5 Route all traffic to v1/);
    instance.stdin.write("kq");
    await waitForFrame(instance, () => exits.length > 0);
    assert.deepEqual(exits, [0]);
  });

  test("--ascii draws without Unicode", async () => {
    const { instance } = mount({ session: new FakeSession(exposed()), ascii: true });
    const frame = await waitForFrame(instance, /\[x\] 1 Enable/);
    assert.doesNotMatch(frame, /[^\x00-\x7f]/);
  });
});

describe("choices the screen offers", () => {
  test("someone else's object: the screen says whose it is and offers to replace it or leave it", async () => {
    const session = new FakeSession(routed());
    session.onAction = async (name, arg, { takeOver }) => {
      if (name === "applyManifest" && arg === "virtual-service-all-v1.yaml" && !takeOver) {
        throw new ForeignObjectError({
          ref: "virtualservice.networking.istio.io/reviews",
          kind: "VirtualService",
          name: "reviews",
          namespace: "bookinfo",
          owner: "kubectl-client-side-apply",
        });
      }
      return [];
    };
    const { instance } = mount({ session });
    await ready(instance);
    const asked = await press(
      instance,
      "n",
      /VirtualService reviews exists and is kubectl-client-side-apply's, not the tour's\./,
    );
    assert.match(asked, /Replace it: the tour takes it over/);
    assert.match(asked, /› Leave it as it is/, "leaving it is what Enter does unless asked otherwise");
    await press(instance, KEY.up, /› Replace it/);
    await press(instance, KEY.enter, /◐ 6 Route jason to reviews v2/);
    assert.deepEqual(session.calls.at(-1), [
      "applyManifest",
      "virtual-service-reviews-test-v2.yaml",
      "take-over",
    ]);
    assert.deepEqual(session.calls.at(-2), ["applyManifest", "virtual-service-all-v1.yaml", "take-over"]);
  });

  test("leaving it changes nothing and says the stage stays undone", async () => {
    const session = new FakeSession(routed());
    session.onAction = async (name, arg) => {
      if (name === "applyManifest" && arg === "virtual-service-all-v1.yaml")
        throw new ForeignObjectError({
          ref: "virtualservice.networking.istio.io/reviews",
          kind: "VirtualService",
          name: "reviews",
          namespace: "bookinfo",
          owner: "Helm",
        });
      return [];
    };
    const { instance } = mount({ session });
    await ready(instance);
    await press(instance, "n", /is Helm's, not the tour's/);
    const left = await press(
      instance,
      KEY.enter,
      /Left VirtualService reviews as it is; stage 6 stays undone\./,
    );
    assert.doesNotMatch(left, /Replace it/);
    assert.equal(session.calls.filter((c) => c[2] === "take-over").length, 0);
  });

  test("Enter on the canary asks for the weights; n takes the docs' 50/50", async () => {
    const session = new FakeSession(routed());
    const weights: number[][] = [];
    session.onAction = async (name, arg, { edit }) => {
      if (name === "applyManifest" && arg === "virtual-service-reviews-50-v3.yaml") {
        const reviews = manifest("virtual-service-reviews-50-v3.yaml")[0]!;
        const written = edit ? edit(reviews) : reviews;
        weights.push(
          (written.spec as { http: { route: { weight: number }[] }[] }).http[0]!.route.map((r) => r.weight),
        );
      }
      return [];
    };
    const { instance } = mount({ session });
    await ready(instance);
    for (let i = 0; i < 3; i++) await press(instance, "j", new RegExp(`› . ${6 + i + 1} `));
    await press(instance, KEY.enter, /How much of the reviews traffic should go to v3\?/);
    await press(instance, KEY.up, /› 20 % to v3/);
    await press(instance, KEY.up, /› 10 % to v3 \(v1 90 \/ v3 10\)/);
    await press(instance, KEY.enter, /◐ 9 Canary/);
    await waitFor(() => weights.length === 1);
    assert.deepEqual(weights, [[90, 10]]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
