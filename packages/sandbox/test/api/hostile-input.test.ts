import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { api, caOf } from "../../testing/api.ts";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";

// Inputs that once crashed the sandbox, stored what no API server stores, or blocked it: each is
// refused with the status and words of a real API server, and nothing is stored.

let env: TestSandbox;
let kubectl: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 20 });
  kubectl = kubectlFor(env.kubeconfig);
  const created = await kubectl("create", "deployment", "web", "--image=nginx");
  assert.equal(created.code, 0, created.stderr);
  // Settled, so the controllers write nothing while the tests compare revisions.
  const rolled = await kubectl("rollout", "status", "deploy/web", "--timeout=30s");
  assert.equal(rolled.code, 0, rolled.stderr);
});
after(async () => env.close());

const replicas = async () =>
  (await kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")).stdout;

/** Runs `attempt` and checks that it changed nothing at all in the store. */
async function changesNothing<T>(attempt: () => Promise<T>): Promise<T> {
  const revision = env.sandbox.store.revision;
  const result = await attempt();
  assert.equal(env.sandbox.store.revision, revision, "a refused request writes nothing");
  return result;
}

/** A request whose path goes out exactly as written (URL parsing would resolve `%2e%2e`). */
function rawGet(path: string): Promise<{ status: number; body: any }> {
  const server = new URL(env.sandbox.server);
  return new Promise((resolve, reject) => {
    const req = request({
      host: server.hostname,
      port: server.port,
      path,
      ca: caOf(env.sandbox),
      headers: { Authorization: `Bearer ${env.sandbox.adminToken}` },
    });
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

describe("replicas is an int32 of at least 0, as the Go type and validation say", () => {
  test("a merge patch with 1e308, 3000000000, \"many\" or 2.5 is 422 on the patch, in Go's decoder's words", async () => {
    const cases: [string, string][] = [
      [
        "1e308",
        "json: cannot unmarshal number 1e308 into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
      [
        "3000000000",
        "json: cannot unmarshal number 3000000000 into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
      [
        '"many"',
        "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
      [
        "2.5",
        "json: cannot unmarshal number 2.5 into Go struct field DeploymentSpec.spec.replicas of type int32",
      ],
    ];
    for (const [value, words] of cases) {
      const patched = await changesNothing(() =>
        kubectl("patch", "deploy", "web", "--type", "merge", "-p", `{"spec":{"replicas":${value}}}`),
      );
      assert.equal(patched.code, 1, value);
      assert.match(patched.stderr, /^The request is invalid: patch: Invalid value: "\{/, value);
      assert.ok(patched.stderr.trim().endsWith(words), `${value}: ${patched.stderr}`);
    }
    assert.equal(await replicas(), "1");
  });

  test("a JSON patch setting a string is 422 too; the status names the field", async () => {
    const res = await changesNothing(() =>
      api(env.sandbox, "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", {
        body: '[{"op":"replace","path":"/spec/replicas","value":"3"}]',
        contentType: "application/json-patch+json",
      }),
    );
    assert.equal(res.status, 422);
    const status = res.json();
    assert.equal(status.reason, "Invalid");
    assert.equal(status.details.causes[0].field, "patch");
    assert.match(status.message, /DeploymentSpec\.spec\.replicas of type int32$/);
  });

  test("a strategic merge patch (kubectl's default) is refused as the unstructured converter refuses it", async () => {
    const many = await changesNothing(() =>
      kubectl("patch", "deploy", "web", "-p", '{"spec":{"replicas":"many"}}'),
    );
    assert.equal(many.code, 1);
    assert.match(
      many.stderr,
      /The request is invalid: patch: Invalid value: "map\[spec:map\[replicas:many\]\]": unrecognized type: int32/,
    );
    const half = await changesNothing(() =>
      kubectl("patch", "deploy", "web", "-p", '{"spec":{"replicas":2.5}}'),
    );
    assert.match(half.stderr, /cannot convert float64 to int32/);
    // Go converts an int64 to int32 by keeping its low 32 bits; validation then sees a negative count.
    const huge = await changesNothing(() =>
      kubectl("patch", "deploy", "web", "-p", '{"spec":{"replicas":3000000000}}'),
    );
    assert.match(
      huge.stderr,
      /The Deployment "web" is invalid: spec\.replicas: Invalid value: -1294967296: must be greater than or equal to 0/,
    );
    assert.equal(await replicas(), "1");
  });

  test("creating with a string count is 400, as the create handler's decoder says", async () => {
    const body = JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "typed" },
      spec: {
        replicas: "2",
        selector: { matchLabels: { app: "typed" } },
        template: {
          metadata: { labels: { app: "typed" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    });
    const res = await changesNothing(() =>
      api(env.sandbox, "POST", "/apis/apps/v1/namespaces/default/deployments", {
        body,
        contentType: "application/json",
      }),
    );
    assert.equal(res.status, 400);
    assert.equal(
      res.json().message,
      'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
    );
  });

  test("kubectl scale past int32 is refused by the scale subresource", async () => {
    const scaled = await changesNothing(() => kubectl("scale", "deploy", "web", "--replicas=3000000000"));
    assert.equal(scaled.code, 1);
    assert.match(scaled.stderr, /ScaleSpec\.spec\.replicas of type int32/);
  });
});

describe("object metadata has the shape and rules of ObjectMeta", () => {
  const post = (body: string, contentType = "application/json") =>
    changesNothing(() =>
      api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", { body, contentType }),
    );

  test('{"metadata":"x"} is a 400 decode error, not a 500', async () => {
    const res = await post('{"metadata":"x"}');
    assert.equal(res.status, 400);
    assert.equal(
      res.json().message,
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal string into Go struct field ConfigMap.metadata of type v1.ObjectMeta',
    );
  });

  test('names 123 and ["a"] are not strings', async () => {
    for (const [name, sent] of [
      ["123", "number"],
      ['["a"]', "array"],
    ]) {
      const res = await post(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":${name}}}`);
      assert.equal(res.status, 400, name);
      assert.match(
        res.json().message,
        new RegExp(`cannot unmarshal ${sent} into Go struct field ObjectMeta.metadata.name of type string$`),
      );
    }
  });

  test("invalid label keys and values are 422 with apimachinery's messages, one cause each", async () => {
    const res = await post(
      JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: "labelled",
          labels: { "bad key!": "ok", good: "bad value!", "a/b/c": "x".repeat(64) },
        },
      }),
    );
    assert.equal(res.status, 422);
    const causes = res
      .json()
      .details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    assert.deepEqual(causes, [
      `metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
      `metadata.labels: Invalid value: "${"x".repeat(64)}": must be no more than 63 characters`,
      `metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      `metadata.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  test("kubectl label with a bad value is refused by the server too", async () => {
    const labelled = await changesNothing(() =>
      kubectl("label", "deploy", "web", "tier=front end", "--overwrite"),
    );
    assert.notEqual(labelled.code, 0);
  });

  test("a name longer than 253 characters gets the length rule", async () => {
    const res = await post(
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a".repeat(254) } }),
    );
    assert.equal(res.status, 422);
    assert.match(
      res.json().message,
      /metadata\.name: Invalid value: "a+": must be no more than 253 characters$/,
    );
  });

  test("nesting of 10,000 and more is Go's 'exceeded max depth', 400; deep but shallower bodies are 400 too", async () => {
    const nested = (depth: number) =>
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const tooDeep = await post(nested(10_001));
    assert.equal(tooDeep.status, 400);
    assert.match(tooDeep.json().message, /json parse error: exceeded max depth/);
    const deep = await post(nested(9_000));
    assert.equal(deep.status, 400, "not a 500 from a stack overflow");
  });
});

describe("YAML aliases are bounded", () => {
  test("an anchor that contains itself is 400 and stores nothing; lists keep working", async () => {
    const res = await changesNothing(() =>
      api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/cyc?fieldManager=test", {
        body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cyc\ndata: &x [*x]\n",
        contentType: "application/apply-patch+yaml",
      }),
    );
    assert.equal(res.status, 400);
    assert.equal(res.json().message, "error converting YAML to JSON: yaml: anchor 'x' value contains itself");
    const created = await changesNothing(() =>
      api(env.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
        body: "a: &x [*x]",
        contentType: "application/yaml",
      }),
    );
    assert.equal(created.status, 400);
    const list = await api(env.sandbox, "GET", "/api/v1/configmaps");
    assert.equal(list.status, 200);
  });

  test("an alias bomb is refused at once, without expanding it", async () => {
    let bomb =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    const names = "abcdefghi";
    for (let i = 1; i < names.length; i++)
      bomb += `${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(",")}]\n`;
    assert.ok(bomb.length < 600, `${bomb.length} bytes`);
    const res = await changesNothing(() =>
      api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/lol?fieldManager=test", {
        body: bomb,
        contentType: "application/apply-patch+yaml",
      }),
    );
    assert.equal(res.status, 400);
    assert.equal(
      res.json().message,
      "error converting YAML to JSON: yaml: document contains excessive aliasing",
    );
  });

  test("a large string repeated through aliases cannot expand past the body limit", async () => {
    const big = "x".repeat(1024 * 1024);
    const body = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n  a: &s "${big}"\n  b: *s\n  c: *s\n  d: *s\n`;
    const res = await changesNothing(() =>
      api(env.sandbox, "PATCH", "/api/v1/namespaces/default/configmaps/wide?fieldManager=test", {
        body,
        contentType: "application/apply-patch+yaml",
      }),
    );
    assert.equal(res.status, 400);
    assert.match(res.json().message, /expands to about \d+ bytes through its aliases/);
  });
});

describe("paths and watch parameters", () => {
  test("a namespace or name of '..' or '.' in the path is 400, never another namespace's objects", async () => {
    for (const path of [
      "/api/v1/namespaces/%2e%2e/pods",
      "/api/v1/namespaces/../pods",
      "/api/v1/namespaces/default/pods/%2e%2e",
      "/api/v1/namespaces/a%2fb/pods",
    ]) {
      const res = await rawGet(path);
      assert.equal(res.status, 400, path);
      assert.equal(res.body.reason, "BadRequest", path);
    }
    const dots = await rawGet("/api/v1/namespaces/%2e%2e/pods");
    assert.equal(dots.body.message, `".." is not a valid namespace: may not be '..'`);
    assert.equal((await rawGet("/api/v1/namespaces/%zz/pods")).status, 400);
  });

  test("timeoutSeconds=-5 ends the watch at once, as the API server does; a non-number is 400", async () => {
    const watch = await rawGet("/api/v1/pods?watch=true&timeoutSeconds=-5");
    assert.equal(watch.status, 200);
    assert.equal(watch.body, undefined, "no events");
    const bad = await rawGet("/api/v1/pods?watch=true&timeoutSeconds=soon");
    assert.equal(bad.status, 400);
    assert.equal(bad.body.message, 'strconv.ParseInt: parsing "soon": invalid syntax');
  });
});

describe("a resource budget: no input exhausts the sandbox", () => {
  test("two billion replicas fill the namespace to its pod budget and no further; the reason is in the Status", async () => {
    const small = await openSandbox({ speed: 50, budget: { perNamespace: { pods: 12 } } });
    try {
      const k = kubectlFor(small.kubeconfig);
      assert.equal((await k("create", "deployment", "many", "--image=nginx")).code, 0);
      const scaled = await k("scale", "deploy", "many", "--replicas=2000000000");
      assert.equal(scaled.code, 0, "2,000,000,000 is a valid int32");
      const pods = () => [...small.sandbox.store.peek("pods", "default")].length;
      await until(small.sandbox, () => pods() === 12);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(pods(), 12);
      const extra = await k("run", "extra", "--image=nginx");
      assert.notEqual(extra.code, 0);
      assert.match(
        extra.stderr,
        /pods "extra" is forbidden: exceeded quota: sandbox-budget, requested: pods=1, used: pods=12, limited: pods=12/,
      );
      assert.equal((await k("get", "ns", "default", "-o", "name")).stdout.trim(), "namespace/default");
    } finally {
      await small.close();
    }
  });

  test("objects in total and one object's size are bounded too", async () => {
    // Room for a few objects more than a sandbox holds once its own start-up (pods, their
    // events) is over; the small one is used only once it has settled too.
    const settledCount = async (sandbox: TestSandbox) => {
      let last = -1;
      while (last !== sandbox.sandbox.store.usage.objects) {
        last = sandbox.sandbox.store.usage.objects;
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      return last;
    };
    const fresh = await openSandbox({ speed: 20 });
    const settled = await settledCount(fresh);
    await fresh.close();
    const small = await openSandbox({ speed: 20, budget: { maxObjects: settled + 5 } });
    try {
      await settledCount(small);
      const configMap = (name: string, data: Record<string, string> = {}) =>
        api(small.sandbox, "POST", "/api/v1/namespaces/default/configmaps", {
          body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data }),
          contentType: "application/json",
        });
      const answers: number[] = [];
      for (let i = 0; i < 10; i++) answers.push((await configMap(`cm-${i}`)).status);
      const refused = answers.indexOf(403);
      assert.ok(refused > 0, `some were stored, then 403: ${answers}`);
      assert.ok(answers.slice(refused).every((code) => code === 403));
      const full = await configMap("one-more");
      assert.match(
        full.json().message,
        /configmaps "one-more" is forbidden: exceeded quota: sandbox-budget, requested: count\/objects=1/,
      );
      assert.equal(
        (await api(small.sandbox, "DELETE", "/api/v1/namespaces/default/configmaps/cm-0")).status,
        200,
      );
      const wide = await configMap("wide", { k: "x".repeat(2 * 1024 * 1024) });
      assert.equal(wide.status, 413);
      assert.match(wide.json().message, /etcdserver: request is too large/);
    } finally {
      await small.close();
    }
  });
});

test("kubectl apply of a manifest with a self-containing anchor never reaches the store", async () => {
  const file = `${env.dir}/cycle.yaml`;
  writeFileSync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cycle\ndata: &x [*x]\n");
  const applied = await changesNothing(() => kubectl("apply", "--server-side", "-f", file));
  assert.notEqual(applied.code, 0);
  assert.match(applied.stderr, /anchor 'x' value contains itself/);
});
