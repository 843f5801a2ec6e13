import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo, isOneSentence } from "./support.ts";

// A guided workshop on one shared cluster (the sandbox, over HTTPS, with the real kubectl and
// curl): the facilitator sets up a room of 50, a few attendees take the tour at once to different
// stages with the kubeconfigs they were handed, the facilitator reads the room, sets its pace,
// and tears it all down again.

const ROOM = "attendee";
const ATTENDEES = 50;
const curl = promisify(execFile);

let env: TestSandbox;
let admin: Kubectl;
let out: string;
let before_: string[];

const kubeconfigOf = (n: number) => join(out, `${ROOM}-${n}.kubeconfig`);
const asAttendee = (n: number, ...args: string[]) => bookinfo(kubeconfigOf(n), ...args);

/** Every object of every kind the API server lists, as kind/namespace/name, sorted. */
async function listing(): Promise<string[]> {
  const kinds = await admin("api-resources", "--verbs=list", "-o", "name");
  assert.equal(kinds.code, 0, kinds.stderr);
  const names = kinds.stdout.trim().split("\n").join(",");
  const all = await admin(
    "get",
    names,
    "-A",
    "-o",
    'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}{"\\n"}{end}',
  );
  assert.equal(all.code, 0, all.stderr);
  return all.stdout.trim().split("\n").sort();
}

async function ok(kubectl: Kubectl, ...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

before(async () => {
  env = await openSandbox({ speed: 50 });
  admin = kubectlFor(env.kubeconfig);
  out = join(env.dir, "room");
  before_ = await listing();
});
after(async () => env?.close());

describe("a workshop room on one shared cluster", () => {
  test("setup makes 50 attendees: a namespace, an account, a Role, a token and a private kubeconfig each", async () => {
    const setup = await bookinfo(
      env.kubeconfig,
      "workshop",
      "setup",
      "--attendees",
      String(ATTENDEES),
      "--out",
      out,
    );
    assert.equal(setup.code, 0, setup.stderr);
    const port = env.sandbox.ingress.httpNodePort;
    assert.match(setup.stdout, new RegExp(`^Room ${ROOM}: 50 attendees on context bookinfo-sandbox `));
    assert.match(
      setup.stdout,
      new RegExp(`^GATEWAY_URL 127\\.0\\.0\\.1:${port} \\(NodePort\\); tokens valid until `, "m"),
    );
    assert.match(
      setup.stdout,
      new RegExp(
        `^7 +attendee-7 +attendee-7\\.bookinfo\\.local +${kubeconfigOf(7)} +KUBECONFIG=${kubeconfigOf(7)} kubectl bookinfo$`,
        "m",
      ),
    );
    assert.match(setup.stderr, /Setting up room attendee: 50 of 50 attendees/);
    assert.equal(readFileSync(join(out, "attendees.txt"), "utf8"), setup.stdout);
    for (let n = 1; n <= ATTENDEES; n++) {
      const mode = statSync(kubeconfigOf(n)).mode & 0o777;
      assert.equal(mode, 0o600, `${kubeconfigOf(n)} is readable by its owner only`);
    }
    assert.equal(statSync(out).mode & 0o777, 0o700);

    const namespaces = await ok(
      admin,
      "get",
      "namespaces",
      "-l",
      `kubectl-bookinfo/room=${ROOM}`,
      "-o",
      "name",
    );
    assert.equal(namespaces.trim().split("\n").length, ATTENDEES);
    const ns = JSON.parse(await ok(admin, "get", "namespace", "attendee-12", "-o", "json"));
    assert.deepEqual(ns.metadata.labels, {
      "app.kubernetes.io/managed-by": "kubectl-bookinfo",
      "istio-injection": "enabled",
      "kubectl-bookinfo/room": ROOM,
      "kubernetes.io/metadata.name": "attendee-12",
    });
    const settings = JSON.parse(
      await ok(admin, "-n", "attendee-12", "get", "configmap", "bookinfo-workshop", "-o", "json"),
    );
    assert.deepEqual(settings.data, {
      room: ROOM,
      host: "attendee-12.bookinfo.local",
      gatewayUrl: `http://127.0.0.1:${port}`,
      pace: "bookinfo-workshop/pace-attendee",
    });
  });

  test("a second setup changes none of the room's objects, only the tokens in the kubeconfigs", async () => {
    const versions = () =>
      ok(
        admin,
        "get",
        "namespaces,serviceaccounts,roles,rolebindings,configmaps",
        "-A",
        "-l",
        `kubectl-bookinfo/room=${ROOM}`,
        "-o",
        'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}',
      );
    const first = await versions();
    const token = readFileSync(kubeconfigOf(3), "utf8");
    const again = await bookinfo(
      env.kubeconfig,
      "workshop",
      "setup",
      "--attendees",
      String(ATTENDEES),
      "--out",
      out,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await versions(), first);
    assert.notEqual(readFileSync(kubeconfigOf(3), "utf8"), token, "a fresh token");
  });

  test("an attendee's kubeconfig reaches their namespace only; kubectl and auth can-i agree", async () => {
    const seven = kubectlFor(kubeconfigOf(7));
    const user = "system:serviceaccount:attendee-7:attendee";
    assert.equal(await ok(seven, "get", "pods"), "");
    const elsewhere = await seven("get", "pods", "-n", "attendee-8");
    assert.equal(elsewhere.code, 1);
    assert.equal(
      elsewhere.stderr,
      `Error from server (Forbidden): pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "attendee-8"\n`,
    );
    const system = await seven("get", "services", "-n", "istio-system");
    assert.match(system.stderr, /Forbidden/);
    const cluster = await seven("get", "namespaces");
    assert.match(cluster.stderr, /cannot list resource "namespaces" in API group "" at the cluster scope/);
    const canI = async (...args: string[]) => (await seven("auth", "can-i", ...args)).stdout.trim();
    assert.equal(await canI("create", "deployments.apps"), "yes");
    assert.equal(await canI("patch", "virtualservices.networking.istio.io"), "yes");
    assert.equal(await canI("get", "pods", "--subresource=log"), "yes");
    assert.equal(await canI("get", "configmap/bookinfo-workshop"), "yes");
    assert.equal(await canI("create", "deployments.apps", "-n", "attendee-8"), "no");
    assert.equal(await canI("list", "configmaps"), "no", "only the room's ConfigMap, by name");
    assert.equal(await canI("get", "secrets"), "no");
    assert.equal(await canI("create", "rolebindings.rbac.authorization.k8s.io"), "no");
    assert.equal(await canI("get", "configmap/pace-attendee", "-n", "bookinfo-workshop"), "yes");
    assert.equal(await canI("get", "configmap/other", "-n", "bookinfo-workshop"), "no");
    assert.equal(JSON.parse(await ok(seven, "auth", "whoami", "-o", "json")).status.userInfo.username, user);
  });

  test("four attendees take the tour at once to different stages, each through their own host", async () => {
    const targets = ["route-v1", "verify", "gateway", "deploy"];
    const runs = await Promise.all(targets.map((to, i) => asAttendee(i + 1, "run", "--to", to)));
    for (const [i, run] of runs.entries())
      assert.equal(run.code, 0, `attendee-${i + 1}: ${run.stdout}${run.stderr}`);
    assert.match(
      runs[0]?.stdout ?? "",
      /All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+ \(send Host: attendee-1\.bookinfo\.local\)/,
    );
    assert.match(runs[2]?.stdout ?? "", /done: http:\/\/127\.0\.0\.1:\d+ via workshop/);

    const gateway = JSON.parse(
      await ok(admin, "-n", "attendee-3", "get", "gateway", "bookinfo-gateway", "-o", "json"),
    );
    assert.deepEqual(gateway.spec.servers[0].hosts, ["attendee-3.bookinfo.local"]);

    // The page each Host gets is served by that attendee's own pods.
    const port = env.sandbox.ingress.httpNodePort;
    for (const n of [1, 2, 3]) {
      const pods = (await ok(admin, "-n", `attendee-${n}`, "get", "pods", "-o", "name")).replaceAll(
        "pod/",
        "",
      );
      for (let i = 0; i < 3; i++) {
        const page = await curl("curl", [
          "-s",
          "-H",
          `Host: attendee-${n}.bookinfo.local`,
          `http://127.0.0.1:${port}/productpage`,
        ]);
        const servedBy = /Reviews served by:?\s*(?:<[^>]*>\s*)*([a-z0-9-]+)/i.exec(page.stdout)?.[1];
        assert.ok(
          servedBy && pods.split("\n").includes(servedBy),
          `attendee-${n} got ${servedBy}, not one of ${pods}`,
        );
      }
    }
    const nobody = await curl("curl", [
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-H",
      "Host: attendee-4.bookinfo.local",
      `http://127.0.0.1:${port}/productpage`,
    ]);
    assert.equal(nobody.stdout, "404", "attendee-4 has no Gateway yet: nobody else's page answers for them");
  });

  test("workshop -o json reports each attendee's stages exactly as their status does", async () => {
    const room = await bookinfo(env.kubeconfig, "workshop", "-o", "json");
    assert.equal(room.code, 0, room.stderr);
    const report = JSON.parse(room.stdout);
    assert.equal(report.room, ROOM);
    assert.equal(report.attendees.length, ATTENDEES);
    const rows = new Map<
      string,
      { stages: { id: string; state: string }[]; current: string | null; pods: unknown; host: string }
    >(report.attendees.map((row: { namespace: string }) => [row.namespace, row]));
    const states = (stdout: string) =>
      JSON.parse(stdout).stages.map((s: { id: string; state: string }) => `${s.id}=${s.state}`);
    for (const n of [1, 2, 3, 4, 5, 50]) {
      const row = rows.get(`attendee-${n}`);
      const mine = await asAttendee(n, "status", "-o", "json");
      assert.deepEqual(
        row?.stages.map((s) => `${s.id}=${s.state}`),
        states(mine.stdout),
        `attendee-${n}`,
      );
      // The facilitator's own status of that namespace says the same.
      const theirs = await bookinfo(env.kubeconfig, "status", "-n", `attendee-${n}`, "-o", "json");
      assert.deepEqual(states(theirs.stdout), states(mine.stdout), `status -n attendee-${n}`);
      assert.equal(row?.host, `attendee-${n}.bookinfo.local`);
    }
    assert.equal(rows.get("attendee-1")?.current, null);
    assert.equal(rows.get("attendee-2")?.current, "route-v1");
    // Run to the gateway only, yet verify is done: the page answers, and verify is judged by that.
    assert.equal(rows.get("attendee-3")?.current, "route-v1");
    assert.equal(rows.get("attendee-4")?.current, "gateway");
    assert.deepEqual(rows.get("attendee-4")?.pods, { ready: 6, total: 6, withoutSidecar: 0 });
    assert.equal(rows.get("attendee-5")?.current, "deploy");
    // Whoever has been on their stage longest comes first; those who are done come last.
    assert.equal(report.attendees.at(-1).namespace, "attendee-1");

    const text = await bookinfo(env.kubeconfig, "workshop", "--stage", "gateway");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^NAMESPACE +STAGES +AT +FOR +PODS +NO SIDECAR +REVIEWS +FINDING +CHANGED$/m);
    assert.match(text.stdout, /^attendee-4 +✓✓○○○ +gateway +\d+s +6\/6 +0 +- +- +\d\d:\d\d:\d\d$/m);
    assert.equal(
      text.stdout.trim().split("\n").length,
      4,
      "the heading, a blank line, the header and one row",
    );
  });

  test("an attendee's reset undoes their tour and leaves what the facilitator made for them", async () => {
    const reset = await asAttendee(1, "reset");
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^deployment\.apps\/productpage-v1 deleted$/m);
    assert.doesNotMatch(reset.stdout, /^(serviceaccount\/attendee|configmap|role)\S* deleted$/m);
    assert.match(
      reset.stdout,
      /^ {2}configmaps: not allowed to list them here, so none of them was looked at or touched$/m,
    );
    assert.equal(
      await ok(admin, "-n", "attendee-1", "get", "serviceaccount", "attendee", "-o", "name"),
      "serviceaccount/attendee\n",
    );
    const status = await asAttendee(1, "status", "-o", "json");
    assert.equal(status.code, 3, "their token still works, and the tour is back to pending");
    assert.equal(JSON.parse(status.stdout).gateway.host, "attendee-1.bookinfo.local");
  });

  test("the pace the facilitator sets shows in the attendees' status, and not to someone who may not read it", async () => {
    const pace = await bookinfo(env.kubeconfig, "workshop", "pace", "verify");
    assert.equal(pace.code, 0, pace.stderr);
    assert.match(pace.stdout, /^The room attendee is at: verify \(stage 4 of 12, Bookinfo in the mesh\)\.$/m);
    const status = await asAttendee(9, "status");
    assert.match(status.stdout, /^Room: +attendee \(the room is at: verify\)$/m);
    assert.equal(JSON.parse((await asAttendee(9, "status", "-o", "json")).stdout).room.pace, "verify");

    // The sandbox's workshop user may use namespace "workshop" only: told of the room, it cannot
    // read the pace, and its status shows none.
    await ok(admin, "create", "namespace", "workshop");
    await ok(
      admin,
      "-n",
      "workshop",
      "create",
      "configmap",
      "bookinfo-workshop",
      "--from-literal=room=attendee",
      "--from-literal=pace=bookinfo-workshop/pace-attendee",
    );
    const outsider = await bookinfo(
      env.kubeconfig,
      "status",
      "--context",
      "bookinfo-sandbox-workshop",
      "-o",
      "json",
    );
    assert.deepEqual(JSON.parse(outsider.stdout).room, { name: "attendee", pace: null });
    await ok(admin, "delete", "namespace", "workshop", "--wait=true");

    const bad = await bookinfo(env.kubeconfig, "workshop", "pace", "nowhere");
    assert.equal(bad.code, 2);
  });

  test("an attendee cannot set up, tear down or set the pace: one sentence says what to do", async () => {
    for (const args of [
      ["setup", "--attendees", "2", "--prefix", "x", "--out", join(env.dir, "x")],
      ["teardown"],
      ["pace", "deploy"],
    ]) {
      const result = await asAttendee(2, "workshop", ...args);
      assert.equal(result.code, 1, result.stdout);
      assert.ok(isOneSentence(result.stderr), result.stderr);
      assert.match(
        result.stderr,
        /^error: context attendee-2 may not \w+ [a-z/.]+.*, which .* needs; run it with a cluster admin's context \(--context or --kubeconfig\)/,
      );
    }
    assert.equal(existsSync(join(env.dir, "x")), false, "nothing was written");
  });

  test("setup takes over no namespace it did not make, and writes no file through a link", async () => {
    await ok(admin, "create", "namespace", "team-2");
    const taken = await bookinfo(
      env.kubeconfig,
      "workshop",
      "setup",
      "--attendees",
      "3",
      "--prefix",
      "team",
      "--out",
      join(env.dir, "team"),
    );
    assert.equal(taken.code, 1);
    assert.equal(
      taken.stderr,
      "error: namespace team-2 exists but is not part of room team (no label kubectl-bookinfo/room=team); pick another --prefix, or delete it first.\n",
    );
    const none = await ok(admin, "get", "namespaces", "-l", "kubectl-bookinfo/room=team", "-o", "name");
    assert.equal(none, "");
    await ok(admin, "delete", "namespace", "team-2", "--wait=true");

    mkdirSync(join(env.dir, "real"));
    symlinkSync(join(env.dir, "real"), join(env.dir, "link"));
    const linked = await bookinfo(
      env.kubeconfig,
      "workshop",
      "setup",
      "--attendees",
      "1",
      "--prefix",
      "linked",
      "--out",
      join(env.dir, "link"),
    );
    assert.equal(linked.code, 1);
    assert.match(
      linked.stderr,
      /is a symbolic link; pass the directory it points to, or another one, with --out\.\n$/,
    );
  });

  test("a room made by hand is picked by name prefix or by label", async () => {
    for (const name of ["team-a", "team-b"]) await ok(admin, "create", "namespace", name);
    await ok(admin, "label", "namespace", "team-b", "class=monday");
    const byPrefix = JSON.parse(
      (await bookinfo(env.kubeconfig, "workshop", "--prefix", "team", "-o", "json")).stdout,
    );
    assert.deepEqual(
      byPrefix.attendees.map((row: { namespace: string; host: string | null }) => [row.namespace, row.host]),
      [
        ["team-a", null],
        ["team-b", null],
      ],
    );
    const byLabel = await bookinfo(
      env.kubeconfig,
      "workshop",
      "-l",
      "class=monday",
      "-o",
      "json",
      "--samples",
      "0",
    );
    assert.deepEqual(
      JSON.parse(byLabel.stdout).attendees.map((row: { namespace: string }) => row.namespace),
      ["team-b"],
    );
    for (const name of ["team-a", "team-b"]) await ok(admin, "delete", "namespace", name, "--wait=true");
  });

  test("teardown removes exactly what setup made, and the cluster is as it was before", async () => {
    const teardown = await bookinfo(env.kubeconfig, "workshop", "teardown", "--out", out);
    assert.equal(teardown.code, 0, teardown.stderr);
    assert.match(teardown.stdout, /^namespace\/attendee-1 deleted$/m);
    assert.match(teardown.stdout, /^namespace\/attendee-50 deleted$/m);
    assert.match(teardown.stdout, /^configmap\/pace-attendee deleted from namespace bookinfo-workshop$/m);
    assert.match(teardown.stdout, /^namespace\/bookinfo-workshop deleted$/m);
    assert.match(teardown.stdout, /^removed 51 files from .*room$/m);
    assert.match(teardown.stdout, /^Room attendee removed \(50 attendee namespaces\)\.$/m);
    assert.equal(existsSync(out), false);
    assert.deepEqual(await listing(), before_);

    const again = await bookinfo(env.kubeconfig, "workshop", "teardown", "--out", out);
    assert.equal(again.code, 0);
    assert.equal(
      again.stdout,
      "Nothing to remove: no namespace is labelled kubectl-bookinfo/room=attendee.\n",
    );
  });
});
