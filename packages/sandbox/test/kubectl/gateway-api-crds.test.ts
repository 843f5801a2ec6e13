import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Kubectl, kubectlFor } from "../../testing/kubectl.ts";
import { openSandbox, type TestSandbox } from "../../testing/sandbox.ts";

// Installing the Gateway API on a fresh cluster the way its docs say, with the real kubectl and
// the CRD file the sandbox ships, then using the kinds it adds.

const bundle = (channel: string) =>
  new URL(`../../crds/gateway-api-${channel}.yaml`, import.meta.url).pathname;

const STANDARD_CRDS = [
  "backendtlspolicies.gateway.networking.k8s.io",
  "gatewayclasses.gateway.networking.k8s.io",
  "gateways.gateway.networking.k8s.io",
  "grpcroutes.gateway.networking.k8s.io",
  "httproutes.gateway.networking.k8s.io",
  "referencegrants.gateway.networking.k8s.io",
];

// A class no controller in the cluster handles, so what is read back is the API server's alone.
const BOOKINFO_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bookinfo-gateway
spec:
  gatewayClassName: example
  listeners:
  - name: http
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bookinfo
spec:
  hostnames: ["bookinfo.example.com"]
  parentRefs:
  - name: bookinfo-gateway
  rules:
  - matches:
    - path:
        type: Exact
        value: /productpage
    - path:
        type: PathPrefix
        value: /static
    backendRefs:
    - name: productpage
      port: 9080
`;

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "gateway-api-")), "manifest.yaml");
  writeFileSync(path, text);
  return path;
}

async function ok(kubectl: Kubectl, ...args: string[]): Promise<string> {
  const result = await kubectl(...args);
  assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

describe("installing the Gateway API CRDs with kubectl apply (client-side)", () => {
  let env: TestSandbox;
  let kubectl: Kubectl;
  before(async () => {
    env = await openSandbox();
    kubectl = kubectlFor(env.kubeconfig);
  });
  after(async () => env.close());

  test("a fresh cluster does not serve the Gateway API", async () => {
    const result = await kubectl("get", "gtw");
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the server doesn't have a resource type "gtw"/);
  });

  test("the bundle applies cleanly, policy and binding included", async () => {
    const out = await ok(kubectl, "apply", "-f", bundle("standard"));
    assert.match(
      out,
      /^validatingadmissionpolicy\.admissionregistration\.k8s\.io\/safe-upgrades\.gateway\.networking\.k8s\.io created$/m,
    );
    assert.match(
      out,
      /^validatingadmissionpolicybinding\.admissionregistration\.k8s\.io\/safe-upgrades\.gateway\.networking\.k8s\.io created$/m,
    );
    for (const crd of STANDARD_CRDS) {
      assert.match(
        out,
        new RegExp(`^customresourcedefinition\\.apiextensions\\.k8s\\.io/${crd} created$`, "m"),
      );
    }
    const policies = await ok(kubectl, "get", "validatingadmissionpolicies");
    assert.match(policies, /^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE$/m);
    assert.match(policies, /^safe-upgrades\.gateway\.networking\.k8s\.io\s+2\s+<unset>\s+\d+s$/m);
    const bindings = await ok(kubectl, "get", "validatingadmissionpolicybindings");
    assert.match(
      bindings,
      /^safe-upgrades\.gateway\.networking\.k8s\.io\s+safe-upgrades\.gateway\.networking\.k8s\.io\s+<unset>\s+\d+s$/m,
    );
  });

  test("kubectl get crd lists them and wait sees them established", async () => {
    const listed = await ok(kubectl, "get", "crd");
    assert.match(listed, /^NAME\s+CREATED AT$/m);
    for (const crd of STANDARD_CRDS)
      assert.match(listed, new RegExp(`^${crd.replaceAll(".", "\\.")}\\s+\\d{4}-`, "m"));
    const waited = await ok(
      kubectl,
      "wait",
      "--for=condition=established",
      "--timeout=10s",
      ...STANDARD_CRDS.map((c) => `crd/${c}`),
    );
    for (const crd of STANDARD_CRDS) assert.match(waited, new RegExp(`${crd} condition met`));
    const conditions = JSON.parse(
      await ok(
        kubectl,
        "get",
        "crd",
        "gateways.gateway.networking.k8s.io",
        "-o",
        "jsonpath={.status.conditions}",
      ),
    ) as { type: string; status: string; reason: string }[];
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason]),
      [
        ["KubernetesAPIApprovalPolicyConformant", "True", "ApprovedAnnotation"],
        ["NamesAccepted", "True", "NoConflicts"],
        ["Established", "True", "InitialNamesAccepted"],
      ],
    );
  });

  test("the new kinds answer by name and short name, empty at first", async () => {
    for (const kind of ["gtw", "gateways.gateway.networking.k8s.io", "httproute", "grpcroutes", "refgrant"]) {
      const result = await kubectl("get", kind);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /^No resources found in default namespace\.$/m);
    }
    // istiod creates its own classes as soon as the kind exists, and accepts them.
    await ok(kubectl, "wait", "--for=condition=accepted", "--timeout=10s", "gatewayclass/istio");
    const classes = await ok(kubectl, "get", "gatewayclass");
    assert.match(classes, /^istio\s+istio\.io\/gateway-controller\s+True\s+\d+s$/m);
    assert.match(classes, /^istio-remote\s+istio\.io\/unmanaged-gateway\s+True\s+\d+s$/m);
    const api = await ok(kubectl, "api-resources", "--api-group=gateway.networking.k8s.io");
    assert.match(api, /^gatewayclasses\s+gc\s+gateway\.networking\.k8s\.io\/v1\s+false\s+GatewayClass$/m);
    assert.match(api, /^gateways\s+gtw\s+gateway\.networking\.k8s\.io\/v1\s+true\s+Gateway$/m);
    assert.match(api, /^httproutes\s+gateway\.networking\.k8s\.io\/v1\s+true\s+HTTPRoute$/m);
    assert.match(
      api,
      /^referencegrants\s+refgrant\s+gateway\.networking\.k8s\.io\/v1beta1\s+true\s+ReferenceGrant$/m,
    );
  });

  test("a Gateway and an HTTPRoute apply and read back with their printer columns and defaults", async () => {
    const out = await ok(kubectl, "apply", "-f", file(BOOKINFO_GATEWAY));
    assert.match(out, /^gateway\.gateway\.networking\.k8s\.io\/bookinfo-gateway created$/m);
    assert.match(out, /^httproute\.gateway\.networking\.k8s\.io\/bookinfo created$/m);
    const routes = await ok(kubectl, "get", "httproute");
    assert.match(routes, /^NAME\s+HOSTNAMES\s+AGE$/m);
    assert.match(routes, /^bookinfo\s+\["bookinfo\.example\.com"\]\s+\d+s$/m);
    // Before a controller has looked at it, the Gateway shows the conditions the schema defaults.
    const gateways = await ok(kubectl, "get", "gtw");
    assert.match(gateways, /^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE$/m);
    assert.match(gateways, /^bookinfo-gateway\s+example\s+Unknown\s+\d+s$/m);
    const route = JSON.parse(await ok(kubectl, "get", "httproute", "bookinfo", "-o", "json"));
    assert.deepEqual(route.spec.parentRefs, [
      { group: "gateway.networking.k8s.io", kind: "Gateway", name: "bookinfo-gateway" },
    ]);
    assert.deepEqual(route.spec.rules[0].backendRefs, [
      { group: "", kind: "Service", name: "productpage", port: 9080, weight: 1 },
    ]);
    const gateway = JSON.parse(await ok(kubectl, "get", "gtw", "bookinfo-gateway", "-o", "json"));
    assert.deepEqual(
      gateway.status.conditions.map((c: { type: string; reason: string }) => [c.type, c.reason]),
      [
        ["Accepted", "Pending"],
        ["Programmed", "Pending"],
      ],
    );
    // Applying the same file again: kubectl's merge patch replaces the defaulted lists (so it says
    // "configured", as on a real cluster), and the server, defaulting them again, changes nothing.
    const again = await ok(kubectl, "apply", "-f", file(BOOKINFO_GATEWAY));
    assert.match(again, /^gateway\.gateway\.networking\.k8s\.io\/bookinfo-gateway unchanged$/m);
    const reread = JSON.parse(await ok(kubectl, "get", "httproute", "bookinfo", "-o", "json"));
    assert.equal(reread.metadata.generation, 1);
    assert.equal(reread.metadata.resourceVersion, route.metadata.resourceVersion);
  });

  test("the schema refuses what the API server refuses, in its words", async () => {
    const bad = BOOKINFO_GATEWAY.replace("port: 9080", "port: 90800").replace("type: Exact", "type: Regex");
    const result = await kubectl("apply", "-f", file(bad.split("---\n")[1] ?? ""));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /The HTTPRoute "bookinfo" is invalid: \n\* /);
    assert.match(
      result.stderr,
      /spec\.rules\[0\]\.matches\[0\]\.path\.type: Unsupported value: "Regex": supported values: "Exact", "PathPrefix", "RegularExpression"/,
    );
    assert.match(
      result.stderr,
      /spec\.rules\[0\]\.backendRefs\[0\]\.port: Invalid value: 90800: spec\.rules\[0\]\.backendRefs\[0\]\.port in body should be less than or equal to 65535/,
    );
    const noListeners = await kubectl(
      "apply",
      "-f",
      file(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: empty\nspec:\n  gatewayClassName: istio\n",
      ),
    );
    assert.equal(noListeners.code, 1);
    assert.match(noListeners.stderr, /The Gateway "empty" is invalid: spec\.listeners: Required value/);
  });

  test("kubectl explain prints the installed kinds' schemas", async () => {
    const out = await ok(kubectl, "explain", "gateways.gateway.networking.k8s.io.spec");
    assert.match(out, /^GROUP:\s+gateway\.networking\.k8s\.io$/m);
    assert.match(out, /^KIND:\s+Gateway$/m);
    assert.match(out, /^VERSION:\s+v1$/m);
    assert.match(out, /^FIELD: spec <Object>$/m);
    assert.match(out, /^ {2}gatewayClassName\t<string> -required-$/m);
    assert.match(out, /^ {2}listeners\t<\[\]Object> -required-$/m);
    const route = await ok(kubectl, "explain", "httproute.spec.rules.backendRefs.weight");
    assert.match(route, /^FIELD: weight <integer>$/m);
  });

  test("deleting a CRD stops serving its kind and removes its objects", async () => {
    await ok(
      kubectl,
      "apply",
      "-f",
      file(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata:\n  name: ratings\nspec:\n  parentRefs:\n  - name: bookinfo-gateway\n",
      ),
    );
    const deleted = await ok(kubectl, "delete", "crd", "grpcroutes.gateway.networking.k8s.io");
    assert.match(
      deleted,
      /customresourcedefinition\.apiextensions\.k8s\.io "grpcroutes\.gateway\.networking\.k8s\.io" deleted/,
    );
    const api = await ok(kubectl, "api-resources", "--api-group=gateway.networking.k8s.io");
    assert.doesNotMatch(api, /grpcroutes/);
    assert.match(api, /httproutes/);
    // A fresh kubectl (no cached discovery) no longer knows the kind.
    const fresh = kubectlFor(env.kubeconfig);
    const gone = await fresh("get", "grpcroutes");
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /the server doesn't have a resource type "grpcroutes"/);
    // Installed again, the kind is back, without the old objects.
    await ok(kubectl, "apply", "-f", bundle("standard"));
    await ok(
      kubectl,
      "wait",
      "--for=condition=established",
      "--timeout=10s",
      "crd/grpcroutes.gateway.networking.k8s.io",
    );
    const again = await fresh("get", "grpcroutes");
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /No resources found/);
  });
});

describe("installing the Gateway API CRDs with kubectl apply --server-side", () => {
  let env: TestSandbox;
  let kubectl: Kubectl;
  before(async () => {
    env = await openSandbox();
    kubectl = kubectlFor(env.kubeconfig);
  });
  after(async () => env.close());

  test("the standard bundle applies, and again unchanged", async () => {
    for (let i = 0; i < 2; i++) {
      const out = await ok(kubectl, "apply", "--server-side", "-f", bundle("standard"));
      for (const crd of STANDARD_CRDS) {
        assert.match(
          out,
          new RegExp(`^customresourcedefinition\\.apiextensions\\.k8s\\.io/${crd} serverside-applied$`, "m"),
        );
      }
    }
    await ok(
      kubectl,
      "wait",
      "--for=condition=established",
      "--timeout=10s",
      ...STANDARD_CRDS.map((c) => `crd/${c}`),
    );
  });

  test("the experimental bundle adds its kinds, x-k8s.io ones included", async () => {
    const out = await ok(kubectl, "apply", "--server-side", "-f", bundle("experimental"));
    for (const crd of ["tcproutes.gateway.networking.k8s.io", "xlistenersets.gateway.networking.x-k8s.io"]) {
      assert.match(
        out,
        new RegExp(`^customresourcedefinition\\.apiextensions\\.k8s\\.io/${crd} serverside-applied$`, "m"),
      );
    }
    await ok(
      kubectl,
      "wait",
      "--for=condition=established",
      "--timeout=10s",
      "crd/xlistenersets.gateway.networking.x-k8s.io",
    );
    const sets = await kubectl("get", "lset");
    assert.equal(sets.code, 0, sets.stderr);
    assert.match(sets.stderr, /No resources found/);
  });

  test("Gateway API objects apply server-side and read back", async () => {
    const out = await ok(kubectl, "apply", "--server-side", "-f", file(BOOKINFO_GATEWAY));
    assert.match(out, /^httproute\.gateway\.networking\.k8s\.io\/bookinfo serverside-applied$/m);
    const typo = await kubectl(
      "apply",
      "--server-side",
      "-f",
      file(BOOKINFO_GATEWAY.replace("hostnames:", "hostname:")),
    );
    assert.equal(typo.code, 1);
    assert.match(
      typo.stderr,
      /failed to create typed patch object \(default\/bookinfo; gateway\.networking\.k8s\.io\/v1, Kind=HTTPRoute\): \.spec\.hostname: field not declared in schema/,
    );
  });
});
