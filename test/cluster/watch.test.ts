import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { findResource } from "@kubectl-bookinfo/sandbox";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { applyManifest, labelNamespace } from "../../source/cluster/apply.ts";
import {
  type Cluster,
  connect,
  type HttpMethod,
  type RequestOptions,
  type StreamOptions,
} from "../../source/cluster/connect.ts";
import { ClusterError, explain } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { splitLines, watchNamespace } from "../../source/cluster/watch.ts";
import type { KubeObject } from "../../source/model/kube.ts";
import type { IstioInfo, SnapshotEvent, WatchedResource } from "../../source/model/snapshot.ts";
import { closedPort, clusterFor, freshNamespace, variantKubeconfig } from "./helpers.ts";

const ALL: WatchedResource[] = [
  "namespace",
  "pods",
  "deployments",
  "services",
  "gateways",
  "virtualservices",
  "destinationrules",
  "clusterGateways",
  "clusterVirtualServices",
  "ingressPods",
  "ingressService",
  "roomConfig",
];

let sandbox: TestSandbox;
before(async () => {
  sandbox = await openSandbox({ speed: 20 });
});
after(() => sandbox.close());

/** Resolves when `probe` holds for the events seen so far. */
function waitFor(
  events: SnapshotEvent[],
  probe: (events: SnapshotEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (probe(events)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`not seen within ${timeoutMs} ms`));
      setTimeout(check, 20);
    };
    check();
  });
}

const sockets = () =>
  process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "TLSWrap").length;

test("watch: synced for every resource first, then live changes; stop leaves nothing behind", async () => {
  const namespace = freshNamespace();
  const cluster = clusterFor(sandbox, namespace);
  const baseline = sockets();
  const batches: SnapshotEvent[][] = [];
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(cluster, namespace, (batch) => {
    batches.push(batch);
    events.push(...batch);
  });
  try {
    await watch.ready;

    assert.equal(events[0]?.kind, "istio");
    const istio = events[0]?.kind === "istio" ? events[0].istio : undefined;
    assert.deepEqual(istio, { installed: true, version: "1.28.1", networkingVersion: "v1", ambient: false });
    const synced = events.filter((e) => e.kind === "synced");
    assert.deepEqual(synced.map((e) => e.resource).sort(), [...ALL].sort());
    const byResource = Object.fromEntries(synced.map((e) => [e.resource, e.objects]));
    assert.deepEqual(byResource.namespace, []);
    assert.deepEqual(byResource.pods, []);
    assert.equal(byResource.ingressPods?.length, 1);
    assert.equal(byResource.ingressService?.[0]?.metadata.name, "istio-ingressgateway");
    for (const resource of ALL) {
      const first = events.findIndex(
        (e) => (e.kind === "object" || e.kind === "synced") && e.resource === resource,
      );
      assert.equal(events[first]?.kind, "synced", `${resource}: its list comes before its changes`);
    }

    await labelNamespace(cluster, namespace, { "istio-injection": "enabled" });
    await applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" });
    await applyManifest(cluster, "bookinfo-gateway.yaml", { namespace, networkingVersion: "v1" });
    const seen = (resource: WatchedResource, type: string, name: string) => (list: SnapshotEvent[]) =>
      list.some(
        (e) =>
          e.kind === "object" &&
          e.resource === resource &&
          e.type === type &&
          e.object.metadata.name === name,
      );
    await waitFor(events, seen("namespace", "ADDED", namespace));
    await waitFor(events, seen("deployments", "ADDED", "productpage-v1"));
    await waitFor(events, seen("services", "ADDED", "reviews"));
    await waitFor(events, seen("gateways", "ADDED", "bookinfo-gateway"));
    await waitFor(events, seen("virtualservices", "ADDED", "bookinfo"));
    await waitFor(events, (list) =>
      list.some(
        (e) =>
          e.kind === "object" &&
          e.resource === "pods" &&
          e.object.metadata.name?.startsWith("productpage-v1-"),
      ),
    );
    // Objects from watch events are the plain JSON the API sent.
    const pod = events.find((e) => e.kind === "object" && e.resource === "pods");
    assert.equal(pod?.kind === "object" && typeof pod.object.metadata.creationTimestamp, "string");
    // A burst of changes reaches onEvents in batches, not one call per event.
    assert.ok(batches.some((batch) => batch.length > 1));
  } finally {
    await watch.stop();
    await cluster.close();
  }
  const count = events.length;
  const other = clusterFor(sandbox, namespace);
  await applyManifest(other, "destination-rule-all.yaml", { namespace, networkingVersion: "v1" });
  await other.close();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(events.length, count, "no events after stop()");
  await waitFor([], () => sockets() <= baseline, 3_000).catch(() => {
    assert.fail(
      `sockets still open after stop: ${sockets()} > ${baseline} (${process.getActiveResourcesInfo().join(", ")})`,
    );
  });
});

test("watch: an unreachable cluster rejects ready with the sentence, then one probe a second waits for it, never a tight loop", async () => {
  const port = await closedPort();
  const kubeconfig = variantKubeconfig(sandbox, "watch-refused", (doc) => {
    for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  });
  const real = connect(resolveTarget({ kubeconfig, namespace: "bookinfo" }, {}));
  const requests: string[] = [];
  const cluster: Cluster = {
    ...real,
    request<T>(method: HttpMethod, path: string, options?: RequestOptions) {
      requests.push(path);
      return real.request<T>(method, path, options);
    },
  };
  const errors: [WatchedResource, ClusterError][] = [];
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(cluster, "bookinfo", (batch) => events.push(...batch), {
    istio: { installed: true, version: "1.28.1", networkingVersion: "v1" },
    onError: (resource, error) => errors.push([resource, error]),
    reconnect: { firstMs: 100, maxMs: 400, probeTimeoutMs: 1_000 },
  });
  try {
    await assert.rejects(watch.ready, (error: unknown) => {
      assert.ok(error instanceof ClusterError);
      assert.equal(
        error.message,
        `cannot reach the cluster at https://127.0.0.1:${port}: connection refused. Is it running? (context bookinfo-sandbox)`,
      );
      return true;
    });
    const before = requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const probes = requests.slice(before);
    // 100 + 200 + 400 ms between probes fit in a second: a few requests in all, not one per watch.
    assert.ok(probes.length >= 2 && probes.length <= 4, `requests in 1 s: ${probes.join(", ")}`);
    assert.ok(probes.every((path) => path === "/version"));
    assert.equal(errors.filter(([resource]) => resource === "pods").length, 1, "each watch reports once");
    assert.deepEqual(
      events.filter((e) => e.kind !== "istio").map((e) => e.kind),
      [],
      "nothing but Istio's info from a dead cluster",
    );
  } finally {
    await watch.stop();
  }
  const after = requests.length;
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(requests.length, after, "no retries after stop()");
  await real.close();
});

test("watch: stop() before the first lists arrive ends ready quietly", async () => {
  const namespace = freshNamespace();
  const cluster = clusterFor(sandbox, namespace);
  const watch = watchNamespace(cluster, namespace, () => {});
  await watch.stop();
  await watch.ready;
  await cluster.close();
});

/** Istio without its networking API: only the six core resources are watched. */
const NO_NETWORKING: IstioInfo = { installed: false, version: null, networkingVersion: null };

const added = (events: SnapshotEvent[], resource: WatchedResource) =>
  events.flatMap((e) =>
    e.kind === "object" && e.resource === resource && e.type === "ADDED" ? [e.object.metadata.name] : [],
  );
const syncs = (events: SnapshotEvent[], resource: WatchedResource) =>
  events.flatMap((e) => (e.kind === "synced" && e.resource === resource ? [e.objects] : []));

function createObject(plural: string, namespace: string | undefined, body: KubeObject): KubeObject {
  return sandbox.sandbox.objects.create(findResource("", "v1", plural)!, namespace, body, {
    manager: "test",
  });
}
const createNamespace = (name: string) =>
  createObject("namespaces", undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
const createService = (namespace: string, name: string) =>
  createObject("services", namespace, {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { ports: [{ port: 80 }] },
  });

interface Recorded {
  path: string;
  query: StreamOptions["query"];
}

/**
 * The cluster with its lists and watches recorded, and every watch ended by the server after
 * `timeoutSeconds` instead of minutes; `beforeWatch` runs as each watch is about to open.
 */
function recording(cluster: Cluster, timeoutSeconds: number, beforeWatch?: (watch: Recorded) => void) {
  const lists: string[] = [];
  const watches: Recorded[] = [];
  const recorded: Cluster = {
    ...cluster,
    request<T>(method: HttpMethod, path: string, options?: RequestOptions) {
      lists.push(path);
      return cluster.request<T>(method, path, options);
    },
    stream(path: string, options: StreamOptions = {}) {
      const watch = { path, query: options.query };
      watches.push(watch);
      beforeWatch?.(watch);
      return cluster.stream(path, { ...options, query: { ...options.query, timeoutSeconds } });
    },
  };
  const of = (path: string) => ({
    lists: lists.filter((p) => p === path).length,
    watches: watches.filter((w) => w.path === path),
  });
  return { cluster: recorded, of };
}

test("watch: resumes where the server ended it, without a relist and without losing what changed in between", async () => {
  const namespace = freshNamespace();
  createNamespace(namespace);
  const services = `/api/v1/namespaces/${namespace}/services`;
  let gaps = 0;
  const base = clusterFor(sandbox, namespace);
  const { cluster, of } = recording(base, 1, (watch) => {
    // Made while no watch of services is open: only a resume from the right version sees it.
    if (watch.path === services && of(services).watches.length > 1) createService(namespace, `gap-${++gaps}`);
  });
  const events: SnapshotEvent[] = [];
  const errors: ClusterError[] = [];
  const watch = watchNamespace(cluster, namespace, (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
    onError: (_resource, error) => errors.push(error),
  });
  try {
    await watch.ready;
    createService(namespace, "live-1");
    await waitFor(events, () => of(services).watches.length >= 4);
    createService(namespace, "live-2");
    const expected = ["gap-1", "gap-2", "gap-3", "live-1", "live-2"];
    await waitFor(events, (list) => expected.every((name) => added(list, "services").includes(name)));

    const seen = added(events, "services");
    for (const name of expected)
      assert.equal(seen.filter((n) => n === name).length, 1, `${name} added exactly once`);
    assert.equal(syncs(events, "services").length, 1, "one list, no relist");
    assert.equal(of(services).lists, 1);
    const versions = of(services).watches.map((w) => Number(w.query?.resourceVersion));
    assert.ok(
      versions.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v >= versions[i - 1]!)),
      `every watch resumes from the version reached: ${versions}`,
    );
    assert.deepEqual(errors, []);
  } finally {
    await watch.stop();
    await base.close();
  }
});

test("watch: a resourceVersion the server no longer has (410 Expired) is a quiet relist", async () => {
  const namespace = freshNamespace();
  const elsewhere = freshNamespace("flood");
  createNamespace(namespace);
  createNamespace(elsewhere);
  const services = `/api/v1/namespaces/${namespace}/services`;
  const { store } = sandbox.sandbox;
  let flooded = false;
  const base = clusterFor(sandbox, namespace);
  const { cluster, of } = recording(base, 1, (watch) => {
    if (watch.path !== services || of(services).watches.length !== 2) return;
    // While no watch is open: a change, then enough writes elsewhere that the history the
    // watch would resume from is gone.
    createService(namespace, "unseen-by-watch");
    const from = Number(watch.query?.resourceVersion);
    for (let i = 0; store.oldestResumable <= from && i < 100_000; i++)
      createObject("configmaps", elsewhere, {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `cm-${i}` },
      });
    flooded = store.oldestResumable > from;
  });
  const events: SnapshotEvent[] = [];
  const errors: ClusterError[] = [];
  const watch = watchNamespace(cluster, namespace, (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
    onError: (_resource, error) => errors.push(error),
  });
  try {
    await watch.ready;
    await waitFor(events, (list) => syncs(list, "services").length === 2);
    assert.ok(flooded, "the resumed watch asked for a compacted version");
    const relisted = syncs(events, "services")[1]!.map((o) => o.metadata.name);
    assert.deepEqual(relisted, ["unseen-by-watch"]);
    assert.equal(of(services).lists, 2);

    // Watching goes on from the fresh list.
    await waitFor(events, () => of(services).watches.length >= 3);
    const resumed = Number(of(services).watches[2]!.query?.resourceVersion);
    assert.ok(resumed >= store.oldestResumable, `resumes from the new list's version, ${resumed}`);
    createService(namespace, "after");
    await waitFor(events, (list) => added(list, "services").includes("after"));
    assert.deepEqual(errors, [], "a 410 is not reported as an error");
  } finally {
    await watch.stop();
    await base.close();
  }
});

test("splitLines: events split anywhere across chunks all come out, blank lines dropped", () => {
  const events = [
    { type: "ADDED", object: { metadata: { name: "a", labels: { note: "naïve ☕ 🍵" } } } },
    { type: "BOOKMARK", object: { metadata: { resourceVersion: "7" } } },
    { type: "DELETED", object: { metadata: { name: "b" } } },
  ];
  const text = `${JSON.stringify(events[0])}\n\n${JSON.stringify(events[1])}\r\n${JSON.stringify(events[2])}\n`;
  const parse = (chunks: string[]) => {
    const out: unknown[] = [];
    let pending = "";
    for (const chunk of chunks) {
      const { lines, rest } = splitLines(pending, chunk);
      pending = rest;
      out.push(...lines.map((line) => JSON.parse(line)));
    }
    assert.equal(pending, "");
    return out;
  };
  for (let cut = 0; cut <= text.length; cut++)
    assert.deepEqual(parse([text.slice(0, cut), text.slice(cut)]), events, `cut at ${cut}`);
  assert.deepEqual(parse([...text]), events, "one character at a time");
  assert.deepEqual(splitLines("", '{"type"'), { lines: [], rest: '{"type"' });
});

const FAKE_PODS = "/api/v1/namespaces/fake/pods";

/** A Cluster that lists nothing and whose watches are streams the test writes to. */
function fakeCluster() {
  const lists: string[] = [];
  const watches: (Recorded & { body: PassThrough })[] = [];
  let blackHole = false;
  let refuse = false;
  const refused = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  /** What a request does when nothing gets through: nothing, until its own timeout. */
  const hang = (timeoutMs: number | undefined, signal?: AbortSignal) =>
    new Promise<never>((_resolve, reject) => {
      const timer = setTimeout(
        () => reject(new DOMException("The operation was aborted due to timeout", "TimeoutError")),
        timeoutMs ?? 20_000,
      );
      signal?.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    });
  const cluster = {
    target: { context: "fake" },
    async request(_method: HttpMethod, path: string, options: RequestOptions = {}) {
      if (refuse) throw refused();
      if (blackHole) return hang(options.timeoutMs, options.signal);
      if (path !== "/version") lists.push(path);
      return { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "10" }, items: [] };
    },
    async stream(path: string, options: StreamOptions = {}) {
      if (refuse) throw refused();
      if (blackHole) return hang(options.timeoutMs, options.signal);
      const body = new PassThrough();
      // As connect.ts does: the caller's signal ends the stream.
      options.signal?.addEventListener("abort", () => body.destroy(), { once: true });
      watches.push({ path, query: options.query, body });
      return body;
    },
    explain: (error: unknown, what: { verb: string; resource: string; namespace?: string }) =>
      explain(error, { ...what, context: "fake" }),
    async close() {},
  } as unknown as Cluster;
  return {
    cluster,
    lists,
    watches,
    pods: () => watches.filter((w) => w.path === FAKE_PODS),
    blackHole: (on: boolean) => {
      blackHole = on;
    },
    refuse: (on: boolean) => {
      refuse = on;
    },
  };
}

/** Lets streams and promises move on for a while, whatever they do. */
async function turns(count = 50): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Lets streams and promises move on (real setImmediate, so it works under mocked timers). */
async function eventually(probe: () => boolean, turns = 1_000): Promise<void> {
  for (let i = 0; i < turns && !probe(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(probe(), "condition not met");
}

const pod = (name: string, resourceVersion: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "fake", resourceVersion, labels: { note: "naïve ☕ 🍵" } },
});

test("watch: events split across chunks, even inside a character, arrive whole", async () => {
  const fake = fakeCluster();
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(fake.cluster, "fake", (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
  });
  try {
    await watch.ready;
    await eventually(() => fake.pods().length === 1);
    const sent = [pod("a", "11"), pod("b", "12"), pod("c", "13")];
    const bytes = Buffer.from(
      sent.map((object) => `${JSON.stringify({ type: "ADDED", object })}\n`).join("\n"),
      "utf8",
    );
    const body = fake.pods()[0]!.body;
    for (let i = 0; i < bytes.length; i += 5) {
      body.write(bytes.subarray(i, i + 5));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(events, (list) => added(list, "pods").length === 3);
    const objects = events.flatMap((e) => (e.kind === "object" ? [e.object] : []));
    assert.deepEqual(objects, sent);
  } finally {
    await watch.stop();
  }
});

test("watch: a silent watch is reopened from its last bookmark after the read deadline; one that speaks is kept", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeCluster();
  const events: SnapshotEvent[] = [];
  const errors: ClusterError[] = [];
  const watch = watchNamespace(fake.cluster, "fake", (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
    onError: (_resource, error) => errors.push(error),
  });
  try {
    await watch.ready;
    await eventually(() => fake.watches.length === 7);
    const [first] = fake.pods();
    t.mock.timers.tick(10_000);
    first!.body.write(`${JSON.stringify({ type: "ADDED", object: pod("a", "41") })}\n`);
    first!.body.write(
      `${JSON.stringify({ type: "BOOKMARK", object: { metadata: { resourceVersion: "42" } } })}\n`,
    );
    await eventually(() => added(events, "pods").includes("a"));

    // 15 s of silence for the six other watches: reopened, each from where it was.
    t.mock.timers.tick(6_000);
    await eventually(() => fake.watches.length === 13);
    assert.equal(fake.pods().length, 1, "the pods watch spoke at 10 s and is still open");
    assert.equal(first!.body.destroyed, false);

    t.mock.timers.tick(10_000);
    await eventually(() => fake.pods().length === 2);
    assert.equal(first!.body.destroyed, true);
    assert.equal(fake.pods()[1]!.query?.resourceVersion, "42");
    assert.equal(fake.lists.length, 7, "no relist");
    assert.deepEqual(errors, []);
  } finally {
    await watch.stop();
  }
});

test("watch: a half-open connection (data dropped, socket open) is noticed within 30 s", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeCluster();
  const errors: [WatchedResource, ClusterError][] = [];
  const watch = watchNamespace(fake.cluster, "fake", () => {}, {
    istio: NO_NETWORKING,
    onError: (resource, error) => errors.push([resource, error]),
  });
  try {
    await watch.ready;
    await eventually(() => fake.watches.length === 7);
    // From now on nothing gets through: open watches stay silent, new ones never answer.
    fake.blackHole(true);
    for (let second = 0; second < 30 && !errors.some(([r]) => r === "pods"); second++) {
      t.mock.timers.tick(1_000);
      await turns();
    }
    const pods = errors.find(([resource]) => resource === "pods");
    assert.ok(pods, "the dead pods watch was reported within 30 s");
    assert.match(pods[1].message, /timed out|did not answer|cannot reach/);
  } finally {
    fake.blackHole(false);
    await watch.stop();
  }
});

test("watch: after repeated failures the backoff starts over once a list succeeds", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeCluster();
  const watch = watchNamespace(fake.cluster, "fake", () => {}, {
    istio: NO_NETWORKING,
    onError: () => {},
    backoff: { initialMs: 2_000, maxMs: 30_000 },
  });
  const status = { kind: "Status", status: "Failure", code: 500, reason: "InternalError", message: "x" };
  try {
    await watch.ready;
    await eventually(() => fake.pods().length === 1);
    // Each cut is followed by a good list: every retry comes after the first delay, not 2^n of it.
    for (let cut = 1; cut <= 6; cut++) {
      fake.pods()[cut - 1]!.body.write(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
      await eventually(() => fake.pods()[cut - 1]!.body.destroyed);
      t.mock.timers.tick(2_000);
      await eventually(() => fake.pods().length === cut + 1);
    }
    assert.equal(fake.lists.filter((p) => p === FAKE_PODS).length, 7);
  } finally {
    await watch.stop();
  }
});

test("watch: a 429 comes back after the server's Retry-After, not sooner and not later", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeCluster();
  const watch = watchNamespace(fake.cluster, "fake", () => {}, {
    istio: NO_NETWORKING,
    onError: () => {},
    backoff: { initialMs: 100, maxMs: 30_000 },
  });
  const tooMany = {
    kind: "Status",
    status: "Failure",
    code: 429,
    reason: "TooManyRequests",
    message: "Too many requests, please try again later.",
    details: { retryAfterSeconds: 3 },
  };
  try {
    await watch.ready;
    await eventually(() => fake.pods().length === 1);
    fake.pods()[0]!.body.write(`${JSON.stringify({ type: "ERROR", object: tooMany })}\n`);
    await eventually(() => fake.pods()[0]!.body.destroyed);
    const lists = () => fake.lists.filter((p) => p === FAKE_PODS).length;
    t.mock.timers.tick(2_900);
    await turns();
    assert.equal(lists(), 1, "not before the 3 s the server asked for");
    t.mock.timers.tick(200);
    await eventually(() => lists() === 2);
  } finally {
    await watch.stop();
  }
});

test("watch: once the API answers again after an outage, every resource is listed again within a second", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const fake = fakeCluster();
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(fake.cluster, "fake", (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
    onError: () => {},
  });
  try {
    await watch.ready;
    await eventually(() => fake.watches.length === 7);
    fake.refuse(true);
    for (const w of fake.watches) w.body.destroy(Object.assign(new Error("reset"), { code: "ECONNRESET" }));
    // A minute of outage: long enough for any per-watch backoff to have grown to its maximum.
    for (let second = 0; second < 60; second++) {
      t.mock.timers.tick(1_000);
      await turns();
    }
    const listsBefore = fake.lists.length;
    fake.refuse(false);
    t.mock.timers.tick(1_000);
    await eventually(() => fake.lists.length >= listsBefore + 7 && syncs(events, "pods").length === 2);
    assert.equal(fake.lists.length, listsBefore + 7, "each resource listed once, together");
  } finally {
    await watch.stop();
  }
});

test("watch: an ERROR event other than 410 is reported, then the resource is listed again", async () => {
  const fake = fakeCluster();
  const events: SnapshotEvent[] = [];
  const errors: [WatchedResource, ClusterError][] = [];
  const watch = watchNamespace(fake.cluster, "fake", (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
    onError: (resource, error) => errors.push([resource, error]),
    backoff: { initialMs: 10, maxMs: 10 },
  });
  try {
    await watch.ready;
    await eventually(() => fake.pods().length === 1);
    const status = {
      kind: "Status",
      status: "Failure",
      code: 500,
      reason: "InternalError",
      message: "etcd is sad",
    };
    fake.pods()[0]!.body.write(`${JSON.stringify({ type: "ERROR", object: status })}\n`);
    await waitFor(events, (list) => syncs(list, "pods").length === 2);
    assert.deepEqual(
      errors.map(([resource, error]) => [resource, error.message]),
      [
        [
          "pods",
          'the API server failed to watch pods in namespace "fake" (500 Internal Server Error: etcd is sad); try again in a moment, or check the control plane (context fake)',
        ],
      ],
    );
    assert.equal(fake.pods()[0]!.body.destroyed, true);
    assert.equal(fake.lists.filter((p) => p === FAKE_PODS).length, 2);
  } finally {
    await watch.stop();
  }
});

test("watch: what this user may not read is asked for again after minutes, not twice a minute", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const lists: string[] = [];
  const cluster = {
    target: { context: "attendee" },
    async request(_method: HttpMethod, path: string) {
      lists.push(path);
      if (path === "/api/v1/namespaces")
        throw Object.assign(new Error("HTTP 403"), { code: 403, body: { reason: "Forbidden" } });
      return { apiVersion: "v1", kind: "List", metadata: { resourceVersion: "10" }, items: [] };
    },
    async stream(_path: string, options: StreamOptions = {}) {
      const body = new PassThrough();
      options.signal?.addEventListener("abort", () => body.destroy(), { once: true });
      return body;
    },
    explain: (error: unknown, what: { verb: string; resource: string; namespace?: string }) =>
      explain(error, { ...what, context: "attendee" }),
    async close() {},
  } as unknown as Cluster;
  const events: SnapshotEvent[] = [];
  const watch = watchNamespace(cluster, "attendee-1", (batch) => events.push(...batch), {
    istio: NO_NETWORKING,
  });
  const namespaceLists = () => lists.filter((p) => p === "/api/v1/namespaces").length;
  try {
    await watch.ready;
    assert.ok(events.some((e) => e.kind === "unreadable" && e.resource === "namespace"));
    for (let s = 0; s < 290; s += 10) {
      t.mock.timers.tick(10_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(namespaceLists(), 1, "not again within five minutes");
    t.mock.timers.tick(20_000);
    await eventually(() => namespaceLists() === 2);
  } finally {
    await watch.stop();
  }
});
