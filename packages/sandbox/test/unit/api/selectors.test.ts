import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatLabelSelector,
  labelSelectorFromSpec,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "../../../src/api/selectors.ts";

const matches = (selector: string, labels?: Record<string, string>) =>
  matchesLabels(parseLabelSelector(selector), labels);

function parseError(selector: string): string {
  try {
    parseLabelSelector(selector);
  } catch (error) {
    assert.ok(error instanceof SelectorError);
    return error.message;
  }
  assert.fail(`${JSON.stringify(selector)} parsed`);
}

describe("label selectors", () => {
  const pod = { app: "reviews", version: "v2", "app.kubernetes.io/managed-by": "kubectl-bookinfo" };

  it("matches equality requirements in all three spellings", () => {
    assert.equal(matches("app=reviews", pod), true);
    assert.equal(matches("app==reviews", pod), true);
    assert.equal(matches("app=ratings", pod), false);
    assert.equal(matches("app!=ratings", pod), true);
    assert.equal(matches("app!=reviews", pod), false);
    assert.equal(matches("tier!=web", pod), true, "!= also selects objects without the label");
  });

  it("ANDs comma-separated requirements and tolerates whitespace", () => {
    assert.equal(matches(" app = reviews ,\tversion=v2 ", pod), true);
    assert.equal(matches("app=reviews,version=v1", pod), false);
    assert.equal(matches("app.kubernetes.io/managed-by=kubectl-bookinfo", pod), true);
  });

  it("matches set-based and existence requirements", () => {
    assert.equal(matches("version in (v1, v2)", pod), true);
    assert.equal(matches("version in (v1,v3)", pod), false);
    assert.equal(matches("version notin (v1,v3)", pod), true);
    assert.equal(matches("tier notin (web)", pod), true, "notin selects objects without the label");
    assert.equal(matches("version", pod), true);
    assert.equal(matches("!version", pod), false);
    assert.equal(matches("!tier", pod), true);
    assert.equal(matches("app,!tier,version in (v2)", pod), true);
  });

  it("compares integers with > and <", () => {
    assert.equal(matches("rank>5", { rank: "10" }), true);
    assert.equal(matches("rank<5", { rank: "10" }), false);
    assert.equal(matches("rank>5", { rank: "ten" }), false);
    assert.equal(matches("rank>5", {}), false);
  });

  it("treats the keywords as plain words in key and value position", () => {
    assert.equal(matches("in=in", { in: "in" }), true);
    assert.equal(matches("notin in (in)", { notin: "in" }), true);
  });

  it("selects everything when empty and nothing when the spec selector is null", () => {
    assert.equal(matches("", {}), true);
    assert.equal(matches("   ", undefined), true);
    assert.equal(matchesLabels(labelSelectorFromSpec(null), pod), false);
    assert.equal(matchesLabels(labelSelectorFromSpec({}), pod), true);
  });

  it("an empty value matches an empty label, not a missing one", () => {
    assert.equal(matches("a=", { a: "" }), true);
    assert.equal(matches("a=", {}), false);
    assert.equal(matches("x in (foo,,baz)", { x: "" }), true);
  });

  it("reports syntax errors with apimachinery's words", () => {
    assert.equal(
      parseError("app productpage"),
      "unable to parse requirement: found 'productpage', expected: in, notin, =, ==, !=, gt, lt",
    );
    assert.equal(parseError("app=x,"), "found '', expected: identifier after ','");
    assert.equal(parseError("app in x"), "unable to parse requirement: found 'x' expected: '('");
    assert.equal(parseError("app in (a b)"), "unable to parse requirement: found 'b', expected: ',' or ')'");
    assert.equal(parseError("a=b c"), "found 'c', expected: ',' or 'end of string'");
    assert.equal(parseError("=x"), "found '=', expected: !, identifier, or 'end of string'");
    assert.equal(parseError("!a=b"), "found '=', expected: ',' or 'end of string'");
  });

  it("validates keys and values like metav1 validation", () => {
    assert.equal(
      parseError("-app=x"),
      `unable to parse requirement: key: Invalid value: "-app": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    );
    assert.match(
      parseError(`app=${"v".repeat(64)}`),
      /^unable to parse requirement: values\[0\]: Invalid value: "v{64}": must be no more than 63 characters$/,
    );
    assert.match(
      parseError("Example.com/app=x"),
      /key: Invalid value: "Example.com\/app": prefix part a lowercase RFC 1123 subdomain/,
    );
    assert.match(
      parseError("a/b/c"),
      /a qualified name must consist of .* with an optional DNS subdomain prefix and '\/'/,
    );
    assert.match(parseError("rank>high"), /for 'Gt', 'Lt' operators, the value must be an integer/);
    assert.doesNotThrow(() => parseLabelSelector(`example.com/${"k".repeat(63)}=${"v".repeat(63)}`));
  });

  it("prints the canonical form, requirements sorted by key", () => {
    assert.equal(
      formatLabelSelector(parseLabelSelector("z notin (b,a), !y, app = x,k")),
      "app=x,k,!y,z notin (a,b)",
    );
  });
});

describe("labelSelectorFromSpec", () => {
  it("combines matchLabels and matchExpressions", () => {
    const selector = labelSelectorFromSpec({
      matchLabels: { app: "reviews" },
      matchExpressions: [
        { key: "version", operator: "In", values: ["v2", "v3"] },
        { key: "canary", operator: "DoesNotExist" },
        { key: "tier", operator: "Exists" },
        { key: "zone", operator: "NotIn", values: ["b"] },
      ],
    });
    assert.equal(formatLabelSelector(selector), "app=reviews,!canary,tier,version in (v2,v3),zone notin (b)");
    assert.equal(matchesLabels(selector, { app: "reviews", version: "v3", tier: "x" }), true);
    assert.equal(matchesLabels(selector, { app: "reviews", version: "v1", tier: "x" }), false);
    assert.equal(matchesLabels(selector, { app: "reviews", version: "v2", tier: "x", canary: "y" }), false);
  });

  it("rejects unknown operators and empty value sets", () => {
    assert.throws(
      () => labelSelectorFromSpec({ matchExpressions: [{ key: "a", operator: "Gt", values: ["1"] }] }),
      { name: "SelectorError", message: '"Gt" is not a valid label selector operator' },
    );
    assert.throws(
      () => labelSelectorFromSpec({ matchExpressions: [{ key: "a", operator: "In", values: [] }] }),
      /values set can't be empty/,
    );
  });
});

describe("field selectors", () => {
  const pod = {
    metadata: { name: "reviews-v2-5b64f47978-abcde", namespace: "default" },
    spec: { nodeName: "bookinfo-sandbox", hostNetwork: false },
    status: { phase: "Running" },
  };
  const pending = { metadata: { name: "p", namespace: "default" }, spec: {}, status: { phase: "Pending" } };
  const selects = (text: string, object: object, kind = "Pod") =>
    matchesFields(parseFieldSelector(text, kind), object);

  it("matches metadata.name and metadata.namespace with =, == and !=", () => {
    assert.equal(selects("metadata.name=reviews-v2-5b64f47978-abcde", pod), true);
    assert.equal(selects("metadata.name==reviews-v2-5b64f47978-abcde", pod), true);
    assert.equal(selects("metadata.name!=reviews-v2-5b64f47978-abcde", pod), false);
    assert.equal(selects("metadata.namespace=default,metadata.name=other", pod), false);
    assert.equal(selects("metadata.namespace!=kube-system", pod, "Deployment"), true);
  });

  it("knows pods' own fields; an unset field is the empty string", () => {
    assert.equal(selects("spec.nodeName=bookinfo-sandbox,status.phase=Running", pod), true);
    assert.equal(selects("status.phase!=Running", pending), true);
    assert.equal(selects("spec.nodeName=", pending), true);
    assert.equal(selects("spec.nodeName=", pod), false);
    assert.equal(selects("spec.hostNetwork=false", pod), true);
    assert.equal(
      selects("spec.host=bookinfo-sandbox", pod),
      true,
      "spec.host is the old name of spec.nodeName",
    );
  });

  it("knows events' involvedObject fields and source", () => {
    const event = {
      metadata: { name: "e", namespace: "default" },
      involvedObject: { kind: "Pod", name: "p" },
      source: { component: "kubelet" },
      type: "Warning",
    };
    assert.equal(selects("involvedObject.kind=Pod,involvedObject.name=p,type=Warning", event, "Event"), true);
    assert.equal(selects("source=kubelet", event, "Event"), true);
  });

  it("an empty selector selects everything", () => {
    assert.deepEqual(parseFieldSelector("", "Pod").requirements, []);
    assert.equal(selects("", pod), true);
  });

  it("unescapes values", () => {
    assert.equal(selects("metadata.name=a\\,b", { metadata: { name: "a,b" } }), true);
  });

  it("rejects unknown fields with the wording of the kind's conversion function", () => {
    assert.throws(() => parseFieldSelector("spec.foo=x", "Pod"), {
      name: "SelectorError",
      message: "field label not supported: spec.foo",
    });
    assert.throws(() => parseFieldSelector("metadata.namespace=x", "Namespace"), {
      message: "field label not supported: metadata.namespace",
    });
    assert.throws(() => parseFieldSelector("status.phase=Running", "Deployment"), {
      message: '"status.phase" is not a known field selector: only "metadata.name", "metadata.namespace"',
    });
  });

  it("rejects malformed terms", () => {
    assert.throws(() => parseFieldSelector("metadata.name", "Pod"), {
      message: "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    });
    assert.throws(() => parseFieldSelector("metadata.name=a=b", "Pod"), {
      message: "invalid field selector: unescaped character in value: =",
    });
    assert.throws(() => parseFieldSelector("metadata.name=a\\x", "Pod"), {
      message: /invalid escape sequence: \\x/,
    });
  });
});
