import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { KubeObject } from "../../../source/model/kube.ts";
import type { Snapshot } from "../../../source/model/snapshot.ts";
import { gateway, gatewayUrlCommands } from "../../../source/tutorial/stages/gateway.ts";
import {
  fixText,
  ingressPod,
  ingressService,
  istioGatewayFile,
  manifest,
  nodePortGateway,
  pod,
  recordingContext,
  served,
  snapshot,
} from "./fixtures.ts";

function withGateway(objects: KubeObject[], overrides: Partial<Snapshot> = {}): Snapshot {
  return snapshot({
    gateways: objects.filter((o) => o.kind === "Gateway"),
    virtualServices: objects.filter((o) => o.kind === "VirtualService"),
    ingressPods: [ingressPod()],
    ingressService: ingressService(),
    gateway: nodePortGateway,
    ...overrides,
  });
}

function edited(objects: KubeObject[], kind: string, spec: Record<string, unknown>): KubeObject[] {
  return objects.map((o) => (o.kind === kind ? { ...o, spec: { ...(o.spec as object), ...spec } } : o));
}

describe("gateway check", () => {
  const sources: [string, KubeObject[]][] = [
    ["our manifest", manifest("bookinfo-gateway.yaml")],
    ["Istio's current v1 file", istioGatewayFile("networking.istio.io/v1")],
    ["Istio's v1alpha3 file (1.19 to 1.23, port 8080)", istioGatewayFile("networking.istio.io/v1alpha3")],
    ["Istio's v1alpha3 file (before 1.19, port 80)", istioGatewayFile("networking.istio.io/v1alpha3", 80)],
  ];
  for (const [name, objects] of sources) {
    test(`done with ${name}, showing the URL and its source`, () => {
      const check = gateway.check(withGateway(objects));
      assert.deepEqual(check, { state: "done", detail: "http://172.18.0.2:31380 via NodePort" });
    });
  }

  test("list items without apiVersion count too", () => {
    const bare = manifest("bookinfo-gateway.yaml").map(({ apiVersion: _a, kind, ...rest }) => ({
      ...rest,
      kind,
    }));
    assert.equal(gateway.check(withGateway(bare as KubeObject[])).state, "done");
  });

  test("a Gateway API Gateway of the same name is not Istio's Gateway", () => {
    const [, vs] = manifest("bookinfo-gateway.yaml");
    const gatewayApi = served({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "bookinfo-gateway" },
      spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
    });
    assert.equal(gateway.check(withGateway([gatewayApi, vs!])).state, "pending");
  });

  test("pending when nothing, or only half, is applied", () => {
    const [gw, vs] = manifest("bookinfo-gateway.yaml");
    assert.match(gateway.check(withGateway([])).detail, /not applied/);
    assert.match(gateway.check(withGateway([gw!])).detail, /VirtualService bookinfo does not/);
    assert.match(gateway.check(withGateway([vs!])).detail, /Gateway bookinfo-gateway does not/);
    for (const objects of [[], [gw!], [vs!]])
      assert.equal(gateway.check(withGateway(objects)).state, "pending");
  });

  test("pending while the address is not known yet", () => {
    const check = gateway.check(withGateway(manifest("bookinfo-gateway.yaml"), { gateway: null }));
    assert.equal(check.state, "pending");
    assert.match(check.detail, /address/);
  });

  test("failed when the selector matches no ingress gateway pod (Helm's istio=ingress)", () => {
    const objects = edited(manifest("bookinfo-gateway.yaml"), "Gateway", { selector: { istio: "ingress" } });
    const check = gateway.check(withGateway(objects));
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      "Gateway bookinfo-gateway selects istio=ingress but no ingress gateway pod has that label",
    );
    assert.match(fixText(check.fix), /labelled istio=ingressgateway/);
  });

  test("failed when there is no ingress gateway pod at all", () => {
    const check = gateway.check(withGateway(manifest("bookinfo-gateway.yaml"), { ingressPods: [] }));
    assert.equal(check.state, "failed");
    assert.match(check.detail, /no ingress gateway pod is running/);
  });

  test("a terminating gateway pod selects nothing", () => {
    const leaving = ingressPod();
    leaving.metadata.deletionTimestamp = "2025-06-01T11:59:00Z";
    assert.equal(
      gateway.check(withGateway(manifest("bookinfo-gateway.yaml"), { ingressPods: [leaving] })).state,
      "failed",
    );
  });

  test("failed when the VirtualService is not bound to the Gateway", () => {
    const objects = edited(manifest("bookinfo-gateway.yaml"), "VirtualService", {
      gateways: ["other-gateway"],
    });
    const check = gateway.check(withGateway(objects));
    assert.equal(check.state, "failed");
    assert.match(check.detail, /not bound to Gateway bookinfo-gateway/);
  });

  test("namespace/name and FQDN references to the Gateway count as bound", () => {
    for (const ref of ["bookinfo/bookinfo-gateway", "bookinfo-gateway.bookinfo.svc.cluster.local"]) {
      const objects = edited(manifest("bookinfo-gateway.yaml"), "VirtualService", { gateways: [ref] });
      assert.equal(gateway.check(withGateway(objects)).state, "done", ref);
    }
  });

  test("failed when the Gateway's port is one the ingress Service neither exposes nor targets", () => {
    const objects = edited(manifest("bookinfo-gateway.yaml"), "Gateway", {
      selector: { istio: "ingressgateway" },
      servers: [{ port: { number: 9090, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
    });
    const check = gateway.check(withGateway(objects));
    assert.equal(check.state, "failed");
    assert.match(
      check.detail,
      /listens on port 9090, which istio-ingressgateway does not serve \(15021->15021, 80->8080/,
    );
  });

  test("pending while the selected gateway pod is not Ready", () => {
    const notReady = ingressPod();
    notReady.status!.conditions = [{ type: "Ready", status: "False" }];
    const check = gateway.check(withGateway(manifest("bookinfo-gateway.yaml"), { ingressPods: [notReady] }));
    assert.equal(check.state, "pending");
    assert.match(check.detail, /not Ready/);
  });

  test("applies bookinfo-gateway.yaml", async () => {
    const { calls, context } = recordingContext(snapshot());
    await gateway.apply(context);
    assert.deepEqual(calls, [["applyManifest", "bookinfo-gateway.yaml"]]);
  });
});

describe("gateway commands", () => {
  test("apply, then the NodePort recipe for a NodePort address", () => {
    const commands = gateway.commands(
      snapshot({ gateway: nodePortGateway, ingressService: ingressService() }),
    );
    assert.deepEqual(commands, [
      "kubectl -n bookinfo apply -f samples/bookinfo/networking/bookinfo-gateway.yaml",
      "export INGRESS_HOST=$(kubectl -n istio-system get pod -l istio=ingressgateway -o jsonpath='{.items[0].status.hostIP}')",
      `export INGRESS_PORT=$(kubectl -n istio-system get service istio-ingressgateway -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')`,
      "export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT",
    ]);
  });

  test("LoadBalancer: ip, or hostname for a load balancer that has one", () => {
    const ip = gatewayUrlCommands(
      snapshot({ gateway: { url: "http://34.1.2.3:80", source: "LoadBalancer" } }),
    );
    assert.match(ip[0]!, /\{\.status\.loadBalancer\.ingress\[0\]\.ip\}/);
    assert.match(ip[1]!, /\.port\}'\)$/);
    const host = gatewayUrlCommands(
      snapshot({ gateway: { url: "http://a1b2.elb.amazonaws.com:80", source: "LoadBalancer" } }),
    );
    assert.match(host[0]!, /\.hostname\}/);
  });

  test("port-forward and --gateway-url export what the tour uses", () => {
    const forward = gatewayUrlCommands(
      snapshot({ gateway: { url: "http://127.0.0.1:40123", source: "port-forward" } }),
    );
    assert.deepEqual(forward, [
      "kubectl -n istio-system port-forward service/istio-ingressgateway 40123:80 &",
      "export INGRESS_HOST=127.0.0.1",
      "export INGRESS_PORT=40123",
      "export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT",
    ]);
    const flag = gatewayUrlCommands(
      snapshot({ gateway: { url: "http://bookinfo.example.com", source: "flag" } }),
    );
    assert.deepEqual(flag.slice(0, 2), [
      "export INGRESS_HOST=bookinfo.example.com",
      "export INGRESS_PORT=80",
    ]);
  });

  test("the unrelated pod fixture is not mistaken for a gateway", () => {
    assert.equal(
      gateway.check(withGateway(manifest("bookinfo-gateway.yaml"), { ingressPods: [pod("details-v1")] }))
        .state,
      "failed",
    );
  });
});

describe("an ingress gateway this context may not read", () => {
  const unreadable = {
    ingressPods: "context c is not allowed to list pods (403 Forbidden)",
    ingressService: 'context c is not allowed to list services in namespace "istio-system" (403 Forbidden)',
  };
  const applied = manifest("bookinfo-gateway.yaml");

  test("is not reported as a Gateway selecting nothing; without an address it asks for --gateway-url", () => {
    const check = gateway.check(
      withGateway(applied, { unreadable, ingressPods: [], ingressService: null, gateway: null }),
    );
    assert.equal(check.state, "pending");
    assert.equal(
      check.detail,
      "the ingress gateway in istio-system cannot be read with this context, so its address is unknown",
    );
    assert.match(fixText(check.fix), /--gateway-url HOST:PORT$/);
  });

  test("with --gateway-url the stage is done, and says what it could not check", () => {
    const check = gateway.check(
      withGateway(applied, {
        unreadable,
        ingressPods: [],
        ingressService: null,
        gateway: { url: "http://10.0.0.5:31380", source: "flag" },
      }),
    );
    assert.deepEqual(check, {
      state: "done",
      detail:
        "http://10.0.0.5:31380 via flag (the ingress gateway in istio-system cannot be read with this context)",
    });
  });
});
