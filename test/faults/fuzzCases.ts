// Malformed requests for the sandbox's API, grouped as the fault tests found them, each with the
// answers a real API server could give. None may be a 5xx, hang, crash the sandbox or change what
// `kubectl get pods -A` shows. They address namespace FUZZ_NAMESPACE, which holds Deployment
// `web` (see prepareFuzzTarget), and never another.

export const FUZZ_NAMESPACE = "fuzz";

export interface FuzzCase {
  group: string;
  name: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Sent exactly as written (no URL normalisation). */
  path: string;
  body?: string;
  contentType?: string;
  /** Status codes an API server may answer. */
  expect: number[];
}

const NS = `/api/v1/namespaces/${FUZZ_NAMESPACE}`;
const DEPLOY = `/apis/apps/v1/namespaces/${FUZZ_NAMESPACE}/deployments/web`;
const CONFIGMAPS = `${NS}/configmaps`;
const MERGE = "application/merge-patch+json";
const STRATEGIC = "application/strategic-merge-patch+json";
const JSON_PATCH = "application/json-patch+json";
const APPLY = "application/apply-patch+yaml";
const JSON_TYPE = "application/json";
const REFUSED = [400, 422];

const configMap = (metadata: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata, ...extra });

/** Hostile values for an int32 field. */
const BAD_COUNTS = [
  "1e308",
  "3000000000",
  '"many"',
  "2.5",
  "-1",
  "true",
  "{}",
  "[]",
  '"1"',
  "1e20",
  '"NaN"',
  "-2147483649",
];

function badPatches(): FuzzCase[] {
  const cases: FuzzCase[] = [];
  for (const value of BAD_COUNTS) {
    const body = `{"spec":{"replicas":${value}}}`;
    cases.push({
      group: "bad patches",
      name: `merge replicas ${value}`,
      method: "PATCH",
      path: DEPLOY,
      body,
      contentType: MERGE,
      expect: REFUSED,
    });
    cases.push({
      group: "bad patches",
      name: `json patch replicas ${value}`,
      method: "PATCH",
      path: DEPLOY,
      body: `[{"op":"replace","path":"/spec/replicas","value":${value}}]`,
      contentType: JSON_PATCH,
      expect: REFUSED,
    });
    // -2147483649 would wrap to a valid int32 through the unstructured converter, as in Go.
    if (value !== "-2147483649")
      cases.push({
        group: "bad patches",
        name: `strategic replicas ${value}`,
        method: "PATCH",
        path: DEPLOY,
        body,
        contentType: STRATEGIC,
        expect: REFUSED,
      });
  }
  const more: [string, string, string, number[]][] = [
    ["merge, malformed JSON", '{"spec":', MERGE, [400]],
    ["merge, null", "null", MERGE, [400]],
    ["merge, an array", "[1,2]", MERGE, REFUSED],
    ["merge, a string", '"spec"', MERGE, REFUSED],
    ["strategic, malformed JSON", '{"spec": [}', STRATEGIC, [400]],
    ["strategic, an array", "[]", STRATEGIC, [400]],
    ["strategic, unknown $patch", '{"spec":{"$patch":"explode"}}', STRATEGIC, REFUSED],
    [
      "strategic, containers without their merge key",
      '{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}',
      STRATEGIC,
      REFUSED,
    ],
    ["strategic, $retainKeys not a list", '{"spec":{"$retainKeys":"x"}}', STRATEGIC, REFUSED],
    [
      "strategic, $setElementOrder not a list",
      '{"spec":{"template":{"spec":{"$setElementOrder/containers":3}}}}',
      STRATEGIC,
      REFUSED,
    ],
    ["json patch, an object", '{"op":"add"}', JSON_PATCH, [400]],
    ["json patch, numbers", "[1,2,3]", JSON_PATCH, [400]],
    ["json patch, unknown op", '[{"op":"explode","path":"/spec"}]', JSON_PATCH, REFUSED],
    [
      "json patch, missing path",
      '[{"op":"replace","path":"/spec/nope/deeper","value":1}]',
      JSON_PATCH,
      REFUSED,
    ],
    ["json patch, path without slash", '[{"op":"add","path":"spec","value":1}]', JSON_PATCH, REFUSED],
    ["json patch, failed test", '[{"op":"test","path":"/spec/replicas","value":99}]', JSON_PATCH, REFUSED],
    ["json patch, remove metadata", '[{"op":"remove","path":"/metadata"}]', JSON_PATCH, REFUSED],
    [
      "json patch, metadata to a string",
      '[{"op":"replace","path":"/metadata","value":"x"}]',
      JSON_PATCH,
      REFUSED,
    ],
    [
      "json patch, labels to a list",
      '[{"op":"replace","path":"/metadata/labels","value":["a"]}]',
      JSON_PATCH,
      REFUSED,
    ],
    [
      "json patch, index out of range",
      '[{"op":"add","path":"/spec/template/spec/containers/99","value":{}}]',
      JSON_PATCH,
      REFUSED,
    ],
    [
      "merge, containers to a string",
      '{"spec":{"template":{"spec":{"containers":"nginx"}}}}',
      MERGE,
      REFUSED,
    ],
    ["merge, selector changed", '{"spec":{"selector":{"matchLabels":{"app":"other"}}}}', MERGE, [422]],
    [
      "merge, containerPort a string",
      '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx","ports":[{"containerPort":"80"}]}]}}}}',
      MERGE,
      REFUSED,
    ],
    [
      "merge, terminationGracePeriodSeconds 2.5",
      '{"spec":{"template":{"spec":{"terminationGracePeriodSeconds":2.5}}}}',
      MERGE,
      REFUSED,
    ],
    ["merge, paused a string", '{"spec":{"paused":"yes"}}', MERGE, REFUSED],
    ["text/plain patch", '{"spec":{}}', "text/plain", [415]],
    ["no content type", '{"spec":{}}', "", [415]],
  ];
  for (const [name, body, contentType, expect] of more)
    cases.push({ group: "bad patches", name, method: "PATCH", path: DEPLOY, body, contentType, expect });
  const apply: [string, string, string, number[]][] = [
    ["apply without fieldManager", DEPLOY, "apiVersion: apps/v1\nkind: Deployment\n", [400]],
    [
      "apply replicas many",
      `${DEPLOY}?fieldManager=fuzz`,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: many}\n",
      [400],
    ],
    [
      "apply replicas 2.5",
      `${DEPLOY}?fieldManager=fuzz`,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2.5}\n",
      [400],
    ],
    ["apply a list", `${DEPLOY}?fieldManager=fuzz`, "- a\n- b\n", [400]],
    [
      "apply the wrong name",
      `${DEPLOY}?fieldManager=fuzz`,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other}\n",
      [400],
    ],
    [
      "apply the wrong kind",
      `${DEPLOY}?fieldManager=fuzz`,
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
      [400],
    ],
    ["apply malformed YAML", `${DEPLOY}?fieldManager=fuzz`, "spec: [unclosed\n  : :", [400]],
    [
      "apply metadata a string",
      `${DEPLOY}?fieldManager=fuzz`,
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: x\n",
      [400],
    ],
  ];
  for (const [name, path, body, expect] of apply)
    cases.push({ group: "bad patches", name, method: "PATCH", path, body, contentType: APPLY, expect });
  return cases;
}

function yamlBombs(): FuzzCase[] {
  const laughs = (levels: number, width: number) => {
    let doc = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\nl0: &l0 [${Array(width).fill('"lol"').join(",")}]\n`;
    for (let i = 1; i < levels; i++)
      doc += `l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(",")}]\n`;
    return doc;
  };
  const docs: [string, string][] = [
    ["self-containing sequence", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cyc}\ndata: &x [*x]\n"],
    ["self-containing map", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cyc}\ndata: &x {a: *x}\n"],
    ["cycle through two anchors", "a: &a {b: &b {a: *a}}\n"],
    ["cycle in metadata", "apiVersion: v1\nkind: ConfigMap\nmetadata: &m {name: cyc, labels: *m}\n"],
    ["ten-byte cycle", "a: &x [*x]"],
    ["billion laughs, 9 by 9", laughs(9, 9)],
    ["billion laughs, 6 by 10", laughs(6, 10)],
    ["billion laughs, 5 by 12", laughs(5, 12)],
    ["billion laughs, 12 by 4", laughs(12, 4)],
    [
      "a string repeated through aliases",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: wide}\ndata:\n  a: &s "${"x".repeat(1_100_000)}"\n  b: *s\n  c: *s\n`,
    ],
    ["unknown alias", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: *nowhere\n"],
    ["merge key bomb", `a: &a {x: 1}\nb: {${Array(200).fill("<<: *a").join(", ")}}\n`],
    ["YAML nested 2,000 deep", `${"[".repeat(2000)}${"]".repeat(2000)}`],
    ["tabs for indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"],
  ];
  const cases: FuzzCase[] = [];
  for (const [name, body] of docs) {
    cases.push({
      group: "YAML bombs and cycles",
      name: `${name} (apply)`,
      method: "PATCH",
      path: `${CONFIGMAPS}/lol?fieldManager=fuzz`,
      body,
      contentType: APPLY,
      expect: [400],
    });
    cases.push({
      group: "YAML bombs and cycles",
      name: `${name} (create)`,
      method: "POST",
      path: CONFIGMAPS,
      body,
      contentType: "application/yaml",
      expect: REFUSED,
    });
  }
  return cases;
}

function badMetadata(): FuzzCase[] {
  const bodies: [string, string, number[]][] = [
    ["metadata a string", '{"metadata":"x"}', [400]],
    ["metadata a number", '{"metadata":1}', [400]],
    ["metadata a list", '{"metadata":["a"]}', [400]],
    ["metadata true", '{"metadata":true}', [400]],
    ["labels a string", configMap({ name: "m1", labels: "app=x" }), [400]],
    ["labels a list", configMap({ name: "m2", labels: ["app"] }), [400]],
    ["a label value a number", configMap({ name: "m3", labels: { app: 1 } }), [400]],
    ["a label value an object", configMap({ name: "m4", labels: { app: {} } }), [400]],
    ["annotations a list", configMap({ name: "m5", annotations: [1] }), [400]],
    ["an annotation value a number", configMap({ name: "m6", annotations: { a: 2 } }), [400]],
    [
      "annotations over 256 KiB",
      configMap({ name: "m7", annotations: { a: "x".repeat(300 * 1024) } }),
      [422],
    ],
    ["an invalid annotation key", configMap({ name: "m8", annotations: { "bad key": "x" } }), [422]],
    ["finalizers a string", configMap({ name: "m9", finalizers: "x" }), [400]],
    ["an invalid finalizer", configMap({ name: "m10", finalizers: ["not a name"] }), [422]],
    ["ownerReferences an object", configMap({ name: "m11", ownerReferences: {} }), [400]],
    ["ownerReferences of numbers", configMap({ name: "m12", ownerReferences: [1] }), [400]],
    ["generation a string", configMap({ name: "m13", generation: "one" }), [400]],
    ["deletionGracePeriodSeconds 2.5", configMap({ name: "m14", deletionGracePeriodSeconds: 2.5 }), [400]],
    ["uid a number", configMap({ name: "m15", uid: 7 }), [400]],
    ["namespace a number", configMap({ name: "m16", namespace: 3 }), [400]],
    ["another namespace", configMap({ name: "m17", namespace: "default" }), [400]],
    ["no name", configMap({}), [422]],
    ["generateName invalid", configMap({ generateName: "Bad_" }), [422]],
    ["kind a number", '{"kind":1,"metadata":{"name":"m18"}}', [400]],
    ["apiVersion an object", '{"apiVersion":{},"metadata":{"name":"m19"}}', [400]],
    ["the wrong kind", '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"m20"}}', [400]],
    ["data a list", configMap({ name: "m21" }, { data: ["x"] }), [400]],
    ["a data value a number", configMap({ name: "m22" }, { data: { k: 1 } }), [400]],
    ["binaryData a number", configMap({ name: "m23" }, { binaryData: 1 }), [400]],
    ["immutable a string", configMap({ name: "m24" }, { immutable: "yes" }), [400]],
    ["a body that is a list", "[]", [400]],
    ["a body that is a number", "42", [400]],
    ["a body that is a string", '"configmap"', [400]],
    ["an empty body", "", [400]],
    ["malformed JSON", '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {', [400]],
    ["trailing garbage", `${configMap({ name: "m25" })} x`, [400]],
    ["control character in a string", '{"metadata":{"name":"a\u0001b"}}', [400]],
    ["invalid escape", '{"metadata":{"name":"\\q"}}', [400]],
    ["__proto__ in metadata", '{"metadata":{"__proto__":{"name":"x"}}}', REFUSED],
    [
      "an object over etcd's object limit",
      configMap({ name: "m26" }, { data: { k: "x".repeat(2 * 1024 * 1024) } }),
      [413],
    ],
  ];
  const cases: FuzzCase[] = bodies.map(([name, body, expect]) => ({
    group: "bad metadata",
    name,
    method: "POST",
    path: CONFIGMAPS,
    body,
    contentType: JSON_TYPE,
    expect,
  }));
  cases.push({
    group: "bad metadata",
    name: "a Deployment without a selector",
    method: "POST",
    path: `/apis/apps/v1/namespaces/${FUZZ_NAMESPACE}/deployments`,
    body: JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "nosel" },
      spec: { template: {} },
    }),
    contentType: JSON_TYPE,
    expect: [422],
  });
  cases.push({
    group: "bad metadata",
    name: "a Pod without containers",
    method: "POST",
    path: `${NS}/pods`,
    body: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "empty" }, spec: {} }),
    contentType: JSON_TYPE,
    expect: [422],
  });
  cases.push({
    group: "bad metadata",
    name: "a Pod whose containers are a string",
    method: "POST",
    path: `${NS}/pods`,
    body: JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "str" },
      spec: { containers: "nginx" },
    }),
    contentType: JSON_TYPE,
    expect: [400],
  });
  cases.push({
    group: "bad metadata",
    name: "a Service whose port is a string",
    method: "POST",
    path: `${NS}/services`,
    body: JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "svc" },
      spec: { ports: [{ port: "80" }] },
    }),
    contentType: JSON_TYPE,
    expect: [400],
  });
  return cases;
}

function badNamesAndLabels(): FuzzCase[] {
  const names: [string, unknown, number[]][] = [
    ["a number", 123, [400]],
    ["a list", ["a"], [400]],
    ["an object", { a: 1 }, [400]],
    ["true", true, [400]],
    ["empty", "", [422]],
    ["upper case", "Web", [422]],
    ["an underscore", "a_b", [422]],
    ["a space", "a b", [422]],
    ["a slash", "a/b", [422]],
    ["a leading dash", "-a", [422]],
    ["a trailing dash", "a-", [422]],
    ["a trailing dot", "a.", [422]],
    ["two dots", "a..b", [422]],
    ["254 characters", "a".repeat(254), [422]],
    ["unicode", "café", [422]],
    ["an emoji", "🍵", [422]],
    ["a percent sign", "a%2e", [422]],
    ["dot dot", "..", [422]],
  ];
  const cases: FuzzCase[] = names.map(([name, value, expect]) => ({
    group: "bad names and labels",
    name: `name ${name}`,
    method: "POST",
    path: CONFIGMAPS,
    body: configMap({ name: value }),
    contentType: JSON_TYPE,
    expect,
  }));
  const labels: [string, Record<string, string>][] = [
    ["key with a space", { "a b": "x" }],
    ["key with two slashes", { "a/b/c": "x" }],
    ["key with an empty prefix", { "/a": "x" }],
    ["key with an empty name", { "example.com/": "x" }],
    ["key 64 characters", { ["k".repeat(64)]: "x" }],
    ["key prefix upper case", { "Example.com/a": "x" }],
    ["key starting with a dash", { "-a": "x" }],
    ["empty key", { "": "x" }],
    ["value with a space", { a: "x y" }],
    ["value 64 characters", { a: "v".repeat(64) }],
    ["value starting with a dot", { a: ".x" }],
    ["value with a slash", { a: "x/y" }],
    ["value unicode", { a: "é" }],
    ["value with a newline", { a: "x\ny" }],
  ];
  for (const [name, value] of labels)
    cases.push({
      group: "bad names and labels",
      name: `label ${name}`,
      method: "POST",
      path: CONFIGMAPS,
      body: configMap({ name: "labelled", labels: value }),
      contentType: JSON_TYPE,
      expect: [422],
    });
  for (const [name, value] of labels.slice(0, 4))
    cases.push({
      group: "bad names and labels",
      name: `label ${name}, by merge patch`,
      method: "PATCH",
      path: DEPLOY,
      body: JSON.stringify({ metadata: { labels: value } }),
      contentType: MERGE,
      expect: [422],
    });
  cases.push({
    group: "bad names and labels",
    name: "service name starting with a digit",
    method: "POST",
    path: `${NS}/services`,
    body: JSON.stringify({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "1web" },
      spec: { ports: [{ port: 80 }] },
    }),
    contentType: JSON_TYPE,
    expect: [422],
  });
  cases.push({
    group: "bad names and labels",
    name: "namespace with a dot",
    method: "POST",
    path: "/api/v1/namespaces",
    body: JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } }),
    contentType: JSON_TYPE,
    expect: [422],
  });
  cases.push({
    group: "bad names and labels",
    name: "selector labels invalid",
    method: "POST",
    path: `/apis/apps/v1/namespaces/${FUZZ_NAMESPACE}/deployments`,
    body: JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "badsel" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { "a b": "c" } },
        template: {
          metadata: { labels: { "a b": "c" } },
          spec: { containers: [{ name: "c", image: "nginx" }] },
        },
      },
    }),
    contentType: JSON_TYPE,
    expect: [422],
  });
  return cases;
}

function deepNesting(): FuzzCase[] {
  const nested = (depth: number, open = "[", close = "]") => `${open.repeat(depth)}${close.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const cases: FuzzCase[] = [];
  for (const depth of [1_001, 5_000, 9_999, 10_000, 10_001, 100_000]) {
    cases.push({
      group: "deep nesting",
      name: `arrays ${depth} deep in a create`,
      method: "POST",
      path: CONFIGMAPS,
      body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${nested(depth)}}`,
      contentType: JSON_TYPE,
      expect: [400],
    });
  }
  for (const depth of [5_000, 10_001]) {
    cases.push({
      group: "deep nesting",
      name: `objects ${depth} deep in a merge patch`,
      method: "PATCH",
      path: DEPLOY,
      body: `{"spec":{"x":${objects(depth)}}}`,
      contentType: MERGE,
      expect: [400],
    });
    cases.push({
      group: "deep nesting",
      name: `objects ${depth} deep in a strategic merge patch`,
      method: "PATCH",
      path: DEPLOY,
      body: `{"spec":{"x":${objects(depth)}}}`,
      contentType: STRATEGIC,
      expect: [400],
    });
    cases.push({
      group: "deep nesting",
      name: `a JSON patch value ${depth} deep`,
      method: "PATCH",
      path: DEPLOY,
      body: `[{"op":"add","path":"/spec/x","value":${nested(depth)}}]`,
      contentType: JSON_PATCH,
      expect: [400],
    });
  }
  cases.push({
    group: "deep nesting",
    name: "a JSON patch of 10,001 operations",
    method: "PATCH",
    path: DEPLOY,
    body: JSON.stringify(Array(10_001).fill({ op: "test", path: "/kind", value: "Deployment" })),
    contentType: JSON_PATCH,
    expect: [413],
  });
  cases.push({
    group: "deep nesting",
    name: "a body over 3 MiB",
    method: "POST",
    path: CONFIGMAPS,
    body: configMap({ name: "huge" }, { data: { k: "x".repeat(3 * 1024 * 1024 + 10) } }),
    contentType: JSON_TYPE,
    expect: [413],
  });
  return cases;
}

function badPaths(): FuzzCase[] {
  const paths: [string, number[]][] = [
    ["/api/v1/namespaces/%2e%2e/pods", [400]],
    ["/api/v1/namespaces/../pods", [400]],
    ["/api/v1/namespaces/./pods", [400]],
    ["/api/v1/namespaces/%2E%2E/pods", [400]],
    ["/api/v1/namespaces/%2e/pods", [400]],
    [`/api/v1/namespaces/${FUZZ_NAMESPACE}/pods/%2e%2e`, [400]],
    [`/api/v1/namespaces/${FUZZ_NAMESPACE}/pods/..`, [400]],
    ["/api/v1/namespaces/a%2fb/pods", [400]],
    ["/api/v1/namespaces/a%2Fb/pods", [400]],
    [`/api/v1/namespaces/${FUZZ_NAMESPACE}/pods/a%2fb`, [400]],
    [`/api/v1/namespaces/${FUZZ_NAMESPACE}/pods/a%25b`, [400]],
    ["/api/v1/namespaces/%zz/pods", [400]],
    ["/api/v1/namespaces/%/pods", [400]],
    ["/api/v1/namespaces/%e2%82/pods", [400]],
    ["/api/v1/nodes/%2e%2e", [400]],
    ["/api/v1/namespaces/%2e%2e", [400]],
    [`/apis/apps/v1/namespaces/%2e%2e/deployments`, [400]],
    [`/apis/apps/v1/namespaces/${FUZZ_NAMESPACE}/deployments/%2e%2e/scale`, [400]],
    ["/api/v1/widgets", [404]],
    ["/apis/nope.example.com/v1/things", [404]],
    ["/api/v9/pods", [404]],
    ["/api/v1/namespaces/fuzz/pods/web/nonsense", [404]],
    ["/api/v1/namespaces/fuzz/pods/a/b/c/d", [404]],
    ["/totally/unknown", [404]],
    [`/api/v1/namespaces/${"n".repeat(5000)}/pods`, [200, 400, 404, 414, 431]],
    ["/api/v1/namespaces/fuzz/configmaps/does-not-exist", [404]],
    ["/openapi/v3/apis/nope/v1", [404]],
    ["//api//v1//pods", [200, 400, 404]],
  ];
  return paths.map(([path, expect]) => ({
    group: "bad paths",
    name: path.slice(0, 80),
    method: "GET",
    path,
    expect,
  }));
}

function badWatchParams(): FuzzCase[] {
  const query: [string, number[]][] = [
    ["watch=true&timeoutSeconds=-5", [200]],
    ["watch=true&timeoutSeconds=abc", [400]],
    ["watch=true&timeoutSeconds=1.5", [400]],
    ["watch=true&timeoutSeconds=99999999999999999999", [400]],
    ["watch=true&timeoutSeconds=", [400]],
    ["watch=true&resourceVersion=abc&timeoutSeconds=1", [422]],
    ["watch=true&resourceVersion=-1&timeoutSeconds=1", [422]],
    ["watch=true&resourceVersion=1&timeoutSeconds=1", [200, 410]],
    ["watch=true&labelSelector=app%20in%20(a&timeoutSeconds=1", [400]],
    ["watch=true&labelSelector=%21%21&timeoutSeconds=1", [400]],
    ["watch=true&fieldSelector=spec.bogus%3D1&timeoutSeconds=1", [400]],
    ["watch=true&fieldSelector=%3D%3D%3D&timeoutSeconds=1", [400]],
    ["labelSelector=a%3D%3D%3Db", [400]],
    ["labelSelector=bad%20key%3Dx", [400]],
    ["fieldSelector=metadata.name%3D%3Dx%3D%3Dy", [400]],
    ["watch=true&allowWatchBookmarks=true&timeoutSeconds=-1", [200]],
  ];
  const cases: FuzzCase[] = query.map(([q, expect]) => ({
    group: "bad watch and list params",
    name: q,
    method: "GET",
    path: `${NS}/pods?${q}`,
    expect,
  }));
  cases.push(
    {
      group: "bad watch and list params",
      name: "delete with a bad propagationPolicy",
      method: "DELETE",
      path: `${CONFIGMAPS}/x?propagationPolicy=Never`,
      expect: [400, 404],
    },
    {
      group: "bad watch and list params",
      name: "delete with malformed options",
      method: "DELETE",
      path: `${CONFIGMAPS}/x`,
      body: "{",
      contentType: JSON_TYPE,
      expect: [400, 404],
    },
    {
      group: "bad watch and list params",
      name: "a POST to a named object",
      method: "POST",
      path: `${CONFIGMAPS}/x`,
      body: "{}",
      contentType: JSON_TYPE,
      expect: [405],
    },
    {
      group: "bad watch and list params",
      name: "protobuf garbage",
      method: "POST",
      path: CONFIGMAPS,
      body: "k8s\u0000garbage",
      contentType: "application/vnd.kubernetes.protobuf",
      expect: [400, 415],
    },
    {
      group: "bad watch and list params",
      name: "an unknown media type",
      method: "POST",
      path: CONFIGMAPS,
      body: "x",
      contentType: "image/png",
      expect: [415],
    },
  );
  return cases;
}

/** Every hand-made case, grouped. */
export function fuzzCases(): FuzzCase[] {
  return [
    ...badPatches(),
    ...yamlBombs(),
    ...badMetadata(),
    ...badNamesAndLabels(),
    ...deepNesting(),
    ...badPaths(),
    ...badWatchParams(),
  ];
}

// Values that break a field's type or rules, for generated cases.
const HOSTILE: unknown[] = [
  null,
  true,
  -1,
  2.5,
  1e308,
  3000000000,
  "",
  "x".repeat(300),
  "é🍵\u0000",
  [],
  [[[[]]]],
  {},
  { $patch: "delete" },
  { __proto__: { polluted: true } },
  "../../etc",
];

/** A small, seeded random source, so a failing generated case can be run again. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const TEMPLATES: { path: string; object: Record<string, unknown> }[] = [
  {
    path: CONFIGMAPS,
    object: {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "gen", labels: { a: "b" }, annotations: { c: "d" } },
      data: { k: "v" },
    },
  },
  {
    path: `${NS}/services`,
    object: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "gen" },
      spec: {
        selector: { app: "none" },
        ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }],
        type: "ClusterIP",
      },
    },
  },
  {
    path: `${NS}/serviceaccounts`,
    object: {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "gen" },
      automountServiceAccountToken: false,
    },
  },
  {
    path: `${NS}/endpoints`,
    object: {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "gen" },
      subsets: [{ addresses: [{ ip: "10.0.0.1" }], ports: [{ port: 80 }] }],
    },
  },
];

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== "object") return [prefix];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/**
 * `count` generated cases: a valid object of a kind that makes no pods, one field replaced by a
 * hostile value, sent as a create, a merge patch or a strategic merge patch. Some are valid; any
 * answer but a 5xx (or none) is fine.
 */
export function generatedCases(count: number, seed = 11): FuzzCase[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i++) {
    const template = pick(TEMPLATES);
    const object = structuredClone(template.object);
    const path = pick(paths(object).filter((p) => p.length > 0));
    let node = object as Record<string, unknown>;
    for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
    node[path.at(-1)!] = structuredClone(pick(HOSTILE));
    const name = `gen-${i}`;
    (object.metadata as Record<string, unknown>) = { ...(object.metadata as object), name };
    if (path[0] === "metadata" && path[1] === "name")
      (object.metadata as Record<string, unknown>).name = node.name;
    const how = pick(["create", "merge", "strategic"] as const);
    const body = JSON.stringify(object);
    cases.push(
      how === "create"
        ? {
            group: "generated",
            name: `create ${template.object.kind} ${path.join(".")}`,
            method: "POST",
            path: template.path,
            body,
            contentType: JSON_TYPE,
            expect: [],
          }
        : {
            group: "generated",
            name: `${how} ${template.object.kind} ${path.join(".")}`,
            method: "PATCH",
            path: `${template.path}/gen`,
            body,
            contentType: how === "merge" ? MERGE : STRATEGIC,
            expect: [],
          },
    );
  }
  return cases;
}
