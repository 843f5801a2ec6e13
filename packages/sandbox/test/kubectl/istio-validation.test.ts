import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox } from "../../testing/sandbox.ts";

// What a user sees when an Istio manifest is wrong: the API server's schema checks (Istio's CRDs
// declare every field) first, then Istio's validating webhook, each in its own words.

const NS = "istio-checks";

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "istio-validation-")), "manifest.yaml");
  writeFileSync(path, text);
  return path;
}

const virtualService = (name: string, spec: string) =>
  `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const TYPO = virtualService(
  "reviews",
  `  hosts:
  - reviews
  htp:
  - route:
    - destination:
        host: reviews
        subset: v1
`,
);

let env: TestSandbox;
let kubectl: Kubectl;

before(async () => {
  env = await openSandbox();
  kubectl = kubectlFor(env.kubeconfig);
  const created = await kubectl("create", "namespace", NS);
  assert.equal(created.code, 0, created.stderr);
});
after(async () => env.close());

async function refused(args: string[], pattern: RegExp): Promise<string> {
  const result = await kubectl("-n", NS, ...args);
  assert.equal(result.code, 1, `kubectl ${args.join(" ")} should fail: ${result.stdout}`);
  assert.match(result.stderr, pattern);
  return result.stderr;
}

async function ok(...args: string[]): Promise<string> {
  const result = await kubectl("-n", NS, ...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

describe("a VirtualService with a typo (htp: for http:)", () => {
  test("kubectl apply: strict field validation refuses the unknown field", async () => {
    const stderr = await refused(
      ["apply", "-f", file(TYPO)],
      /^Error from server \(BadRequest\): error when creating/,
    );
    assert.match(
      stderr,
      /VirtualService in version "v1" cannot be handled as a VirtualService: strict decoding error: unknown field "spec\.htp"/,
    );
  });

  test("kubectl apply --server-side: the field is not declared in the schema", async () => {
    await refused(
      ["apply", "--server-side", "-f", file(TYPO)],
      /^Error from server: failed to create typed patch object \(istio-checks\/reviews; networking\.istio\.io\/v1, Kind=VirtualService\): \.spec\.htp: field not declared in schema$/m,
    );
  });

  test("--validate=warn warns and drops it, then Istio refuses a VirtualService without routes", async () => {
    const stderr = await refused(
      ["apply", "--validate=warn", "-f", file(TYPO)],
      /^Warning: unknown field "spec\.htp"$/m,
    );
    assert.match(
      stderr,
      /^Error from server: error when creating ".*": admission webhook "validation\.istio\.io" denied the request: configuration is invalid: http, tcp or tls must be provided in virtual service$/m,
    );
  });

  test("--validate=false drops it silently, with the same answer from Istio", async () => {
    const stderr = await refused(
      ["apply", "--validate=false", "-f", file(TYPO)],
      /admission webhook "validation\.istio\.io" denied the request: configuration is invalid: http, tcp or tls must be provided in virtual service/,
    );
    assert.doesNotMatch(stderr, /Warning/);
  });

  test("an update with a typo is refused the way patches are", async () => {
    await ok("apply", "-f", file(TYPO.replace("htp:", "http:")));
    const stderr = await refused(
      [
        "apply",
        "-f",
        file(TYPO.replace("  htp:", "  http:").replace("subset: v1", "subset: v1\n      weigth: 1")),
      ],
      /is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "spec\.http\[0\]\.route\[0\]\.weigth"/,
    );
    // The server names no kind in this error, so kubectl words it as a request problem.
    assert.match(stderr, /^The request is invalid: patch: Invalid value: "\{\\"apiVersion\\":/m);
  });
});

describe("Istio's validation of routes", () => {
  test("a gateway's VirtualService without hosts is taken for a delegate and refused", async () => {
    const bookinfo = virtualService(
      "bookinfo",
      `  gateways:
  - bookinfo-gateway
  http:
  - match:
    - uri:
        exact: /productpage
    route:
    - destination:
        host: productpage
        port:
          number: 9080
`,
    );
    await refused(
      ["apply", "-f", file(bookinfo)],
      /admission webhook "validation\.istio\.io" denied the request: configuration is invalid: delegate virtual service must have no gateways specified/,
    );
  });

  test("a mesh VirtualService without hosts is a valid delegate", async () => {
    const delegate = virtualService(
      "reviews-delegate",
      "  http:\n  - route:\n    - destination:\n        host: reviews\n        subset: v1\n",
    );
    assert.match(
      await ok("apply", "-f", file(delegate)),
      /virtualservice\.networking\.istio\.io\/reviews-delegate created/,
    );
  });

  test("a route without a destination is a schema error", async () => {
    const noDestination = virtualService(
      "ratings",
      "  hosts:\n  - ratings\n  http:\n  - route:\n    - weight: 100\n",
    );
    await refused(
      ["apply", "-f", file(noDestination)],
      /The VirtualService "ratings" is invalid: spec\.http\[0\]\.route\[0\]\.destination: Required value/,
    );
  });

  test("a rule with neither route, redirect nor direct response is refused", async () => {
    const empty = virtualService(
      "details",
      "  hosts:\n  - details\n  http:\n  - match:\n    - uri:\n        prefix: /\n",
    );
    await refused(
      ["apply", "-f", file(empty)],
      /configuration is invalid: HTTP route, redirect or direct_response is required/,
    );
  });

  test("bad weights: negative, or all zero", async () => {
    const weights = (a: number, b: number) =>
      virtualService(
        "reviews-split",
        `  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews
        subset: v1
      weight: ${a}
    - destination:
        host: reviews
        subset: v3
      weight: ${b}
`,
      );
    await refused(["apply", "-f", file(weights(-10, 110))], /configuration is invalid: weight -10 < 0/);
    await refused(
      ["apply", "-f", file(weights(0, 0))],
      /configuration is invalid: total destination weight = 0/,
    );
    // Weights need not sum to 100: Istio normalises them.
    assert.match(await ok("apply", "-f", file(weights(30, 30))), /reviews-split created/);
  });

  test("several problems are listed the way Istio lists them", async () => {
    const twice = virtualService(
      "bad-hosts",
      "  hosts:\n  - '*'\n  - Reviews\n  http:\n  - route:\n    - destination:\n        host: reviews\n",
    );
    const stderr = await refused(
      ["apply", "-f", file(twice)],
      /configuration is invalid: 2 errors occurred:/,
    );
    assert.match(
      stderr,
      /\t\* wildcard host \* is not allowed for virtual services bound to the mesh gateway/,
    );
    assert.match(stderr, /\t\* domain name "Reviews" invalid \(label "Reviews" invalid\)/);
  });

  test("the CRD's own checks: one string match kind, durations", async () => {
    const both = virtualService(
      "both",
      "  hosts:\n  - reviews\n  http:\n  - match:\n    - uri:\n        exact: /a\n        prefix: /\n    route:\n    - destination:\n        host: reviews\n",
    );
    await refused(
      ["apply", "-f", file(both)],
      /"spec\.http\[0\]\.match\[0\]\.uri" must validate one and only one schema \(oneOf\)\. Found 2 valid alternatives/,
    );
    const slow = virtualService(
      "slow",
      "  hosts:\n  - reviews\n  http:\n  - timeout: soon\n    route:\n    - destination:\n        host: reviews\n",
    );
    await refused(
      ["apply", "-f", file(slow)],
      /spec\.http\[0\]\.timeout: Invalid value: "string": must be a valid duration greater than 1ms/,
    );
  });

  test("an object labelled with the revision goes to the revision's webhook", async () => {
    const labelled = `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: empty\n  labels:\n    istio.io/rev: default\nspec:\n  selector:\n    istio: ingressgateway\n`;
    await refused(
      ["apply", "-f", file(labelled)],
      /admission webhook "rev\.validation\.istio\.io" denied the request: configuration is invalid: gateway must have at least one server/,
    );
  });
});

describe("Istio's other kinds", () => {
  test("ServiceEntry, PeerAuthentication, AuthorizationPolicy and Sidecar are stored and listed with their columns", async () => {
    const manifests = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin.org
  location: MESH_EXTERNAL
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: DNS
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: default
spec:
  mtls:
    mode: STRICT
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-productpage
spec:
  action: ALLOW
  selector:
    matchLabels:
      app: productpage
  rules:
  - to:
    - operation:
        methods: ["GET"]
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
spec:
  egress:
  - hosts:
    - ./*
    - istio-system/*
`;
    const out = await ok("apply", "-f", file(manifests));
    assert.match(out, /serviceentry\.networking\.istio\.io\/httpbin created/);
    assert.match(out, /peerauthentication\.security\.istio\.io\/default created/);
    assert.match(out, /authorizationpolicy\.security\.istio\.io\/allow-productpage created/);
    assert.match(out, /sidecar\.networking\.istio\.io\/default created/);
    assert.match(await ok("get", "se"), /^httpbin\s+\["httpbin\.org"\]\s+MESH_EXTERNAL\s+DNS\s+\d+s$/m);
    assert.match(await ok("get", "pa"), /^NAME\s+MODE\s+AGE\n^default\s+STRICT\s+\d+s$/m);
    assert.match(await ok("get", "ap"), /^allow-productpage\s+ALLOW\s+\d+s$/m);
    assert.match(await ok("get", "sidecars"), /^default\s+\d+s$/m);
  });

  test("their mistakes get Istio's answers too", async () => {
    const portLevel = `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ports\nspec:\n  portLevelMtls:\n    "8080":\n      mode: DISABLE\n`;
    await refused(
      ["apply", "-f", file(portLevel)],
      /configuration is invalid: mesh\/namespace peer authentication cannot have port level mTLS/,
    );
    const wildcard = `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: everything\nspec:\n  hosts:\n  - "*"\n`;
    await refused(["apply", "-f", file(wildcard)], /configuration is invalid: invalid host \*/);
  });

  test("undeclared fields are dropped when validation is off", async () => {
    const rule = `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\nspec:\n  host: reviews\n  subsets:\n  - name: v1\n    labels:\n      version: v1\n    lables:\n      version: v2\n`;
    await ok("apply", "--validate=false", "-f", file(rule));
    const stored = JSON.parse(await ok("get", "dr", "reviews", "-o", "json"));
    assert.deepEqual(stored.spec.subsets, [{ name: "v1", labels: { version: "v1" } }]);
  });
});

describe("kubectl explain", () => {
  test("prints the VirtualService schema", async () => {
    const out = await ok("explain", "virtualservice.spec");
    assert.match(out, /^GROUP:\s+networking\.istio\.io$/m);
    assert.match(out, /^KIND:\s+VirtualService$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD: spec <Object>$/m);
    for (const field of ["exportTo", "gateways", "hosts", "http", "tcp", "tls"]) {
      assert.match(out, new RegExp(`^ {2}${field}\\t<\\[\\]`, "m"));
    }
    const destination = await ok("explain", "vs.spec.http.route.destination");
    assert.match(destination, /^ {2}host\t<string> -required-$/m);
    assert.match(destination, /^ {2}subset\t<string>$/m);
  });

  test("prints the common built-in kinds, their nested types by name", async () => {
    const pod = await ok("explain", "pod.spec");
    assert.match(pod, /^FIELD: spec <PodSpec>$/m);
    assert.match(pod, /^ {2}containers\t<\[\]Container> -required-$/m);
    const deployment = await ok("explain", "deployment.spec");
    assert.match(deployment, /^GROUP:\s+apps$/m);
    assert.match(deployment, /^ {2}template\t<PodTemplateSpec> -required-$/m);
    assert.match(deployment, /^ {2}selector\t<LabelSelector> -required-$/m);
    const service = await ok("explain", "service.spec.ports");
    assert.match(service, /^ {2}targetPort\t<IntOrString>$/m);
    assert.match(service, /^ {2}port\t<integer> -required-$/m);
  });
});

describe("without Istio's webhook", () => {
  test("deleting the validating webhook configuration lets an invalid object in, as on a real cluster", async () => {
    const deleted = await kubectl("delete", "validatingwebhookconfiguration", "istiod-default-validator");
    assert.equal(deleted.code, 0, deleted.stderr);
    const empty = virtualService("no-routes", "  hosts:\n  - details\n");
    assert.match(
      await ok("apply", "-f", file(empty)),
      /virtualservice\.networking\.istio\.io\/no-routes created/,
    );
  });
});
