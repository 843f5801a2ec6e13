import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump } from "js-yaml";
import { connect } from "../../source/cluster/connect.ts";
import { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";

// Real kubeconfig files in a temp dir, resolved with an explicit environment so the machine's own
// KUBECONFIG and ~/.kube/config never leak in.

let dir: string;
let home: string;
let emptyHome: string;

function config(options: {
  current?: string;
  contexts: { name: string; cluster: string; user?: string; namespace?: string }[];
  clusters: { name: string; server: string; ca?: string }[];
  users?: string[];
}): string {
  return dump({
    apiVersion: "v1",
    kind: "Config",
    ...(options.current ? { "current-context": options.current } : {}),
    clusters: options.clusters.map((c) => ({
      name: c.name,
      cluster: { server: c.server, ...(c.ca ? { "certificate-authority": c.ca } : {}) },
    })),
    users: (options.users ?? []).map((name) => ({ name, user: { token: `token-${name}` } })),
    contexts: options.contexts.map((c) => ({
      name: c.name,
      context: {
        cluster: c.cluster,
        ...(c.user ? { user: c.user } : {}),
        ...(c.namespace ? { namespace: c.namespace } : {}),
      },
    })),
  });
}

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const expectError = (fn: () => unknown, message: string | RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ClusterError, `expected a ClusterError, got ${error}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    assert.doesNotMatch(error.message, /\n/);
    return true;
  });

before(() => {
  dir = mkdtempSync(join(tmpdir(), "bookinfo-kubeconfig-"));
  home = join(dir, "home");
  emptyHome = join(dir, "empty-home");
  mkdirSync(join(home, ".kube"), { recursive: true });
  mkdirSync(emptyHome);
  writeFileSync(
    join(home, ".kube", "config"),
    config({
      current: "kind-dev",
      clusters: [{ name: "kind", server: "https://127.0.0.1:6443" }],
      users: ["admin"],
      contexts: [{ name: "kind-dev", cluster: "kind", user: "admin", namespace: "dev" }],
    }),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveTarget: where the kubeconfig comes from", () => {
  test("~/.kube/config when neither --kubeconfig nor KUBECONFIG is set", () => {
    const target = resolveTarget({}, { HOME: home });
    assert.equal(target.context, "kind-dev");
    assert.equal(target.namespace, "dev");
    assert.equal(target.server, "https://127.0.0.1:6443");
    assert.equal(target.source, join(home, ".kube", "config"));
  });

  test("an empty KUBECONFIG counts as unset, as in kubectl", () => {
    assert.equal(resolveTarget({}, { HOME: home, KUBECONFIG: "" }).context, "kind-dev");
  });

  test("--kubeconfig beats KUBECONFIG and ~/.kube/config", () => {
    const file = write(
      "explicit.yaml",
      config({
        current: "explicit",
        clusters: [{ name: "c", server: "https://10.1.1.1:443" }],
        contexts: [{ name: "explicit", cluster: "c" }],
      }),
    );
    const other = write("other.yaml", config({ current: "kind-dev", clusters: [], contexts: [] }));
    const target = resolveTarget({ kubeconfig: file }, { HOME: home, KUBECONFIG: other });
    assert.equal(target.context, "explicit");
    assert.equal(target.namespace, "default");
    assert.deepEqual(target.files, [file]);
  });

  test("KUBECONFIG is a merged list: first current-context and first definition of a name win", () => {
    const first = write(
      "first.yaml",
      config({
        current: "b-ctx",
        clusters: [{ name: "shared", server: "https://first.example:6443" }],
        contexts: [{ name: "a-ctx", cluster: "shared", namespace: "from-first" }],
      }),
    );
    const second = write(
      "second.yaml",
      config({
        current: "a-ctx",
        clusters: [
          { name: "shared", server: "https://second.example:6443" },
          { name: "b", server: "https://b.example:6443" },
        ],
        users: ["bob"],
        contexts: [
          { name: "a-ctx", cluster: "b", namespace: "from-second" },
          { name: "b-ctx", cluster: "shared", user: "bob", namespace: "team-b" },
        ],
      }),
    );
    const missing = join(dir, "does-not-exist.yaml");
    const env = { HOME: home, KUBECONFIG: [first, missing, second].join(delimiter) };
    const target = resolveTarget({}, env);
    assert.equal(target.context, "b-ctx");
    assert.equal(target.namespace, "team-b");
    assert.equal(target.server, "https://first.example:6443");
    assert.deepEqual(target.files, [first, second]);
    assert.equal(target.source, `${first}, ${second}`);

    const a = resolveTarget({ context: "a-ctx", namespace: "override" }, env);
    assert.equal(a.namespace, "override");
    assert.equal(a.server, "https://first.example:6443");
    assert.equal(a.context, "a-ctx");
    assert.equal(a.clusterName, "shared");
  });

  test("relative certificate paths are relative to the kubeconfig's folder; a bare host gets https", () => {
    const file = write(
      "relative.yaml",
      config({
        current: "r",
        clusters: [{ name: "c", server: "10.2.2.2:6443", ca: "certs/ca.crt" }],
        contexts: [{ name: "r", cluster: "c" }],
      }),
    );
    const target = resolveTarget({ kubeconfig: file }, {});
    assert.equal(target.cluster.certificateAuthority, join(dir, "certs", "ca.crt"));
    assert.equal(target.server, "https://10.2.2.2:6443");
    assert.equal(target.cluster.server, "https://10.2.2.2:6443");
  });
});

describe("resolveTarget: each bad input is one sentence with a hint", () => {
  test("no kubeconfig anywhere (never localhost:8080)", () => {
    expectError(
      () => resolveTarget({}, { HOME: emptyHome }),
      "no kubeconfig found (looked at ~/.kube/config); pass --kubeconfig, set KUBECONFIG, or try --sandbox",
    );
  });

  test("a KUBECONFIG list whose files all do not exist", () => {
    expectError(
      () => resolveTarget({}, { HOME: home, KUBECONFIG: join(dir, "a.yaml") }),
      `no kubeconfig found (looked at ${join(dir, "a.yaml")} from KUBECONFIG); pass --kubeconfig, set KUBECONFIG, or try --sandbox`,
    );
  });

  test("a missing --kubeconfig file", () => {
    expectError(
      () => resolveTarget({ kubeconfig: join(dir, "nope.yaml") }, { HOME: home }),
      `the kubeconfig file ${join(dir, "nope.yaml")} does not exist; check the --kubeconfig path`,
    );
  });

  test("malformed YAML names the file and the parser's line", () => {
    const file = write("broken.yaml", "apiVersion: v1\nclusters:\n- name: x\n   cluster: {}\n");
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      `kubeconfig ${file} is not valid YAML at line 4: bad indentation of a mapping entry; fix the file or point --kubeconfig at another one`,
    );
  });

  test("YAML that is not a kubeconfig", () => {
    const file = write("list.yaml", "- a\n- b\n");
    expectError(() => resolveTarget({ kubeconfig: file }, {}), /^kubeconfig .*list.yaml is not a kubeconfig/);
  });

  test("an unknown --context lists the available ones", () => {
    expectError(
      () => resolveTarget({ context: "prod" }, { HOME: home }),
      `context "prod" is not in kubeconfig ${join(home, ".kube", "config")} (available: kind-dev); pass one of those with --context`,
    );
  });

  test("a current-context that does not exist", () => {
    const file = write(
      "stale.yaml",
      config({
        current: "gone",
        clusters: [{ name: "c", server: "https://x" }],
        contexts: [{ name: "here", cluster: "c" }],
      }),
    );
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      `the current context "gone" of kubeconfig ${file} does not exist (available: here); pass one of those with --context`,
    );
  });

  test("no current context", () => {
    const file = write(
      "nocurrent.yaml",
      config({
        clusters: [{ name: "c", server: "https://x" }],
        contexts: [
          { name: "one", cluster: "c" },
          { name: "two", cluster: "c" },
        ],
      }),
    );
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      `kubeconfig ${file} has no current context; pass --context (one of: one, two) or run kubectl config use-context NAME`,
    );
  });

  test("an empty kubeconfig file", () => {
    const file = write("empty.yaml", "");
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      `kubeconfig ${file} defines no contexts; point --kubeconfig at a config for your cluster, or try --sandbox`,
    );
  });

  test("a context whose cluster is not defined", () => {
    const file = write(
      "dangling.yaml",
      config({ current: "d", clusters: [], contexts: [{ name: "d", cluster: "missing" }] }),
    );
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      /^context "d" uses cluster "missing", which kubeconfig .* does not define with a server;/,
    );
  });

  test("a context whose user is not defined", () => {
    const file = write(
      "nouser.yaml",
      config({
        current: "d",
        clusters: [{ name: "c", server: "https://x" }],
        contexts: [{ name: "d", cluster: "c", user: "ghost" }],
      }),
    );
    expectError(
      () => resolveTarget({ kubeconfig: file }, {}),
      /^context "d" uses user "ghost", which kubeconfig .* does not define;/,
    );
  });
});

describe("resolveTarget: --cluster and --user, as kubectl's flags", () => {
  const twoOfEach = () =>
    write(
      "two-of-each.yaml",
      config({
        current: "dev",
        clusters: [
          { name: "east", server: "https://east:6443" },
          { name: "west", server: "https://west:6443" },
        ],
        users: ["ann", "bob"],
        contexts: [{ name: "dev", cluster: "east", user: "ann", namespace: "team" }],
      }),
    );

  test("replace the context's cluster or user, and keep its namespace", () => {
    const target = resolveTarget({ kubeconfig: twoOfEach(), cluster: "west", user: "bob" }, {});
    assert.equal(target.server, "https://west:6443");
    assert.equal(target.clusterName, "west");
    assert.equal(target.userName, "bob");
    assert.equal(target.user.token, "token-bob");
    assert.equal(target.namespace, "team");
  });

  test("need no context at all when --cluster says where to go", () => {
    const file = write(
      "no-context.yaml",
      config({ clusters: [{ name: "east", server: "https://east:6443" }], users: ["ann"], contexts: [] }),
    );
    const target = resolveTarget({ kubeconfig: file, cluster: "east", user: "ann" }, {});
    assert.equal(target.server, "https://east:6443");
    assert.equal(target.namespace, "default");
  });

  test("name what they do not find, with what there is", () => {
    expectError(
      () => resolveTarget({ kubeconfig: twoOfEach(), cluster: "north" }, {}),
      /^--cluster "north" is not a cluster with a server in kubeconfig .*; pass one of: east, west$/,
    );
    expectError(
      () => resolveTarget({ kubeconfig: twoOfEach(), user: "carol" }, {}),
      /^--user "carol" is not a user of kubeconfig .*; pass one of: ann, bob$/,
    );
  });
});

describe("resolveTarget: what kubectl refuses in the chosen cluster and user is refused too", () => {
  const withEntries = (name: string, cluster: Record<string, unknown>, user: Record<string, unknown>) =>
    write(
      `${name}.yaml`,
      dump({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "c",
        clusters: [{ name: "k", cluster: { server: "https://k:6443", ...cluster } }],
        users: [
          { name: "u", user },
          // Broken, but not chosen: no concern of this command's, as under kubectl.
          { name: "other", user: { token: "t", username: "x" } },
        ],
        contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
      }),
    );
  const refused = (cluster: Record<string, unknown>, user: Record<string, unknown>, message: RegExp) =>
    expectError(() => resolveTarget({ kubeconfig: withEntries("refused", cluster, user) }, {}), message);
  const v1 = "client.authentication.k8s.io/v1";

  test("a user with a broken sibling resolves", () => {
    assert.equal(resolveTarget({ kubeconfig: withEntries("fine", {}, { token: "t" }) }, {}).userName, "u");
  });

  test("each refusal says what is wrong and what to change", () => {
    refused(
      { "certificate-authority-data": "eA==", "certificate-authority": "/ca.pem" },
      {},
      /^cluster "k" of kubeconfig .* has both certificate-authority-data and certificate-authority, which kubectl refuses; keep one of them$/,
    );
    refused(
      { "insecure-skip-tls-verify": true, "certificate-authority-data": "eA==" },
      {},
      /sets insecure-skip-tls-verify together with a certificate authority, which kubectl refuses; remove one of them$/,
    );
    refused(
      {},
      { token: "t", username: "ann", password: "p" },
      /^user "u" of kubeconfig .* has more than one way to authenticate \(a token and a username and password\); kubectl allows one, so keep one$/,
    );
    refused(
      {},
      { "client-certificate-data": "eA==" },
      /has a client certificate without a key; add client-key or client-key-data$/,
    );
    refused(
      {},
      { as: "", "as-groups": ["devs"] },
      /impersonates groups, a uid or extra fields without a user to impersonate; add "as" or remove them$/,
    );
    refused(
      {},
      { exec: { apiVersion: v1, command: "p" } },
      /has no interactiveMode, which client.authentication.k8s.io\/v1 requires; set it to IfAvailable, Never or Always$/,
    );
    refused(
      {},
      { exec: { apiVersion: v1, command: "p", interactiveMode: "Often" } },
      /has interactiveMode "Often"; it must be IfAvailable, Never or Always$/,
    );
    refused(
      {},
      { exec: { command: "p", interactiveMode: "Never" } },
      /has no apiVersion; set it to the one the plugin's documentation gives$/,
    );
    refused(
      {},
      { exec: { apiVersion: v1, interactiveMode: "Never" } },
      /has no command; set users\[\]\.user\.exec\.command$/,
    );
    refused(
      {},
      { exec: { apiVersion: v1, command: "p", interactiveMode: "Never", env: [{ value: "x" }] } },
      /has an env entry without a name; name it or remove it$/,
    );
    refused(
      {},
      { exec: { apiVersion: v1, command: "p", interactiveMode: "Never" }, "auth-provider": { name: "oidc" } },
      /has both an exec plugin and an auth-provider, which kubectl refuses; keep the exec plugin$/,
    );
  });

  test("a v1beta1 plugin without interactiveMode gets IfAvailable, as client-go defaults it", () => {
    const file = withEntries(
      "beta",
      {},
      { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "p" } },
    );
    assert.equal(resolveTarget({ kubeconfig: file }, {}).user.exec?.interactiveMode, "IfAvailable");
  });
});

describe("resolveTarget against the sandbox", () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await openSandbox({ speed: 20 });
  });
  after(() => sandbox.close());

  test("a merged KUBECONFIG whose first file picks the sandbox's viewer context reaches the sandbox", async () => {
    const picker = write(
      "picker.yaml",
      dump({ apiVersion: "v1", kind: "Config", "current-context": "bookinfo-sandbox-viewer" }),
    );
    const target = resolveTarget(
      { namespace: "bookinfo" },
      { HOME: emptyHome, KUBECONFIG: [picker, sandbox.kubeconfig].join(delimiter) },
    );
    assert.equal(target.context, "bookinfo-sandbox-viewer");
    assert.equal(target.server, sandbox.sandbox.server);
    const cluster = connect(target);
    try {
      const version = await cluster.probe();
      assert.match(version.gitVersion, /^v1\./);
    } finally {
      await cluster.close();
    }
  });
});
