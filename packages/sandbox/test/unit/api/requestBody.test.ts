import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeError, typeOfKind } from "../../../src/api/decoding.ts";
import { readJson } from "../../../src/api/jsonBody.ts";
import { readYaml } from "../../../src/api/yamlBody.ts";
import { DEFAULT_BUDGET } from "../../../src/store/budget.ts";
import { Store } from "../../../src/store/store.ts";

const syntaxError = (text: string) => {
  try {
    readJson(text);
  } catch (error) {
    return (error as Error).message;
  }
  return "parsed";
};

describe("JSON bodies are read as Go's encoding/json reads them", () => {
  it("reports the first syntax error in the scanner's words", () => {
    const cases: [string, string][] = [
      ['{"a":', "unexpected end of JSON input"],
      ["", "unexpected end of JSON input"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ["[1,]", "invalid character ']' looking for beginning of value"],
      ['{"a":1,}', "invalid character '}' looking for beginning of object key string"],
      ['{"a":1]', "invalid character ']' after object key:value pair"],
      ["[1}", "invalid character '}' after array element"],
      ["trx", "invalid character 'x' in literal true (expecting 'u')"],
      ["1 2", "invalid character '2' after top-level value"],
      ['"a\nb"', "invalid character '\\n' in string literal"],
      ['"\\x"', "invalid character 'x' in string escape code"],
      ["-a", "invalid character 'a' in numeric literal"],
      ["1.e", "invalid character 'e' after decimal point in numeric literal"],
      ["'", "invalid character '\\'' looking for beginning of value"],
    ];
    for (const [text, message] of cases) assert.equal(syntaxError(text), message, JSON.stringify(text));
  });

  it("takes 10,000 levels of nesting and no more, without using the stack", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    assert.equal(syntaxError(nested(10_000)), "parsed");
    assert.equal(syntaxError(nested(10_001)), "exceeded max depth");
    assert.equal(syntaxError(`[${Array(200_000).fill("[1]").join(",")}]`), "parsed");
  });

  it("keeps the text of numbers Go would quote", () => {
    const { numberText } = readJson('{"a":1e308,"b":2.5,"c":3000000000,"d":1.0}');
    assert.equal(numberText.get(1e308), "1e308");
    assert.equal(numberText.get(1), "1.0");
    assert.equal(numberText.has(2.5), false, "2.5 prints as written anyway");
  });
});

describe("decoding into the Go type of a kind", () => {
  const deployment = typeOfKind("Deployment", false);
  it("names the innermost struct, the JSON path and the Go type", () => {
    assert.equal(
      decodeError(
        deployment,
        { spec: { template: { spec: { containers: [{ ports: [{ containerPort: "80" }] }] } } } },
        "json",
      ),
      "json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32",
    );
    assert.equal(
      decodeError(deployment, { metadata: { labels: { app: 1 } } }, "json"),
      "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
    );
    assert.equal(
      decodeError(deployment, { spec: { strategy: { rollingUpdate: { maxSurge: "25%" } } } }, "json"),
      undefined,
    );
    assert.equal(decodeError(deployment, { spec: { unknownField: "kept" } }, "json"), undefined);
  });

  it("wraps an int64 into int32 as Go's conversion does, for strategic merge patches", () => {
    const patched = { spec: { replicas: 4294967297 } };
    assert.equal(decodeError(deployment, patched, "unstructured"), undefined);
    assert.equal(patched.spec.replicas, 1);
  });

  it("words server-side apply's errors as structured-merge-diff does", () => {
    assert.equal(
      decodeError(deployment, { spec: { replicas: "many" } }, "apply"),
      ".spec.replicas: expected numeric (int or float), got string",
    );
  });
});

describe("YAML aliases", () => {
  it("refuses a self-containing anchor and excessive aliasing, and allows ordinary reuse", () => {
    assert.throws(() => readYaml("a: &x [*x]", 1 << 20), /yaml: anchor 'x' value contains itself/);
    assert.throws(() => readYaml("a: &x {b: {c: *x}}", 1 << 20), /contains itself/);
    let bomb = "a: &a [1,2,3,4,5,6,7,8,9]\n";
    for (const [i, name] of [..."bcdef"].entries())
      bomb += `${name}: &${name} [${Array(9).fill(`*${"abcdef"[i]}`).join(",")}]\n`;
    assert.throws(() => readYaml(bomb, 1 << 30), /yaml: document contains excessive aliasing/);
    assert.deepEqual(readYaml("a: &a {x: 1}\nb: *a\nc: *a\n", 1 << 20), {
      a: { x: 1 },
      b: { x: 1 },
      c: { x: 1 },
    });
  });
});

describe("the store writes a whole object or nothing, within its budget", () => {
  const configMap = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "default" },
    ...extra,
  });

  it("refuses an object JSON cannot hold (a cycle) before changing anything", () => {
    const store = new Store();
    const cyclic: Record<string, unknown> = configMap("cyc");
    cyclic.data = [cyclic];
    const revision = store.revision;
    assert.throws(() => store.create("configmaps", cyclic as never));
    assert.equal(store.revision, revision);
    assert.deepEqual(store.list("configmaps"), []);
    assert.equal(JSON.stringify(store.list("configmaps")), "[]");
  });

  it("counts objects and bytes, and refuses past the budget with what was used", () => {
    const store = new Store(undefined, { ...DEFAULT_BUDGET, maxObjects: 2, maxObjectBytes: 1000 });
    store.create("configmaps", configMap("a"));
    store.create("configmaps", configMap("b"));
    assert.throws(
      () => store.create("configmaps", configMap("c")),
      /requested: count\/objects=1, used: count\/objects=2/,
    );
    store.remove("configmaps", "default", "a");
    assert.equal(store.usage.objects, 1);
    assert.throws(
      () => store.update("configmaps", configMap("b", { data: { k: "x".repeat(2000) } })),
      /object-bytes/,
    );
    assert.equal(
      store.get("configmaps", "default", "b")?.data,
      undefined,
      "the refused update left b as it was",
    );
  });

  it("bounds the history by bytes as well as by count", () => {
    const store = new Store(undefined, { ...DEFAULT_BUDGET, maxHistoryBytes: 10_000 });
    store.create("configmaps", configMap("a"));
    for (let i = 0; i < 50; i++)
      store.update("configmaps", configMap("a", { data: { k: `${i}`.repeat(500) } }));
    assert.ok(store.usage.historyBytes <= 10_000 + 2000, `${store.usage.historyBytes}`);
    assert.ok(store.oldestResumable > 2, "old changes were compacted away");
  });
});
