import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ingressAddress, normalizeUrl, portForwardTarget } from "../../../source/cluster/ingress.ts";
import type { KubeObject, Pod } from "../../../source/model/kube.ts";

const ports = [
  { name: "status-port", port: 15021, targetPort: 15021, nodePort: 30021 },
  { name: "http2", port: 80, targetPort: 8080, nodePort: 31380 },
  { name: "https", port: 443, targetPort: 8443, nodePort: 31390 },
];

function service(
  type: string,
  ingress?: { ip?: string; hostname?: string }[],
  servicePorts: unknown[] = ports,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istio-ingressgateway", namespace: "istio-system" },
    spec: { type, ports: servicePorts },
    status: { loadBalancer: ingress ? { ingress } : {} },
  };
}

function pod(name: string, hostIP: string | undefined, ready: boolean, namespace = "istio-system"): Pod {
  return {
    metadata: { name, namespace, labels: { istio: "ingressgateway" } },
    spec: { containers: [{ name: "istio-proxy", ports: [{ name: "http2", containerPort: 8080 }] }] },
    status: { hostIP, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

const gatewayPods = [pod("gw-1", "172.18.0.2", true)];

describe("ingressAddress", () => {
  test("--gateway-url wins over everything", () => {
    assert.deepEqual(
      ingressAddress(
        { ingressService: service("LoadBalancer", [{ ip: "1.2.3.4" }]), ingressPods: [] },
        "localhost:8080",
      ),
      {
        url: "http://localhost:8080",
        source: "flag",
      },
    );
  });

  test("a workshop room's address comes after the flag and before what the cluster shows", () => {
    const inputs = {
      ingressService: service("LoadBalancer", [{ ip: "34.1.2.3" }]),
      ingressPods: gatewayPods,
    };
    assert.deepEqual(ingressAddress(inputs, undefined, "bookinfo.example.com:8080"), {
      url: "http://bookinfo.example.com:8080",
      source: "workshop",
    });
    assert.equal(ingressAddress(inputs, "localhost:9", "bookinfo.example.com:8080")?.source, "flag");
    assert.equal(ingressAddress(inputs, undefined, null)?.source, "LoadBalancer");
  });

  test("LoadBalancer ip with the http2 service port", () => {
    assert.deepEqual(
      ingressAddress({
        ingressService: service("LoadBalancer", [{ ip: "34.1.2.3" }]),
        ingressPods: gatewayPods,
      }),
      {
        url: "http://34.1.2.3:80",
        source: "LoadBalancer",
      },
    );
  });

  test("LoadBalancer hostname (AWS ELB) when there is no ip", () => {
    const address = ingressAddress({
      ingressService: service("LoadBalancer", [{ hostname: "a1.elb.amazonaws.com" }]),
      ingressPods: [],
    });
    assert.deepEqual(address, { url: "http://a1.elb.amazonaws.com:80", source: "LoadBalancer" });
  });

  test("a LoadBalancer stuck at <pending> falls back to the NodePort on a gateway pod's hostIP", () => {
    assert.deepEqual(ingressAddress({ ingressService: service("LoadBalancer"), ingressPods: gatewayPods }), {
      url: "http://172.18.0.2:31380",
      source: "NodePort",
    });
  });

  test("NodePort prefers a Ready pod", () => {
    const pods = [pod("gw-old", "172.18.0.9", false), pod("gw-new", "172.18.0.3", true)];
    assert.deepEqual(ingressAddress({ ingressService: service("NodePort"), ingressPods: pods }), {
      url: "http://172.18.0.3:31380",
      source: "NodePort",
    });
  });

  test("IPv6 hosts are bracketed", () => {
    const address = ingressAddress({
      ingressService: service("NodePort"),
      ingressPods: [pod("gw", "fd00::2", true)],
    });
    assert.equal(address?.url, "http://[fd00::2]:31380");
  });

  test("the pre-1.0 port name http is accepted", () => {
    const old = service("NodePort", undefined, [{ name: "http", port: 80, nodePort: 31380 }]);
    assert.equal(
      ingressAddress({ ingressService: old, ingressPods: gatewayPods })?.url,
      "http://172.18.0.2:31380",
    );
  });

  test("null when only a port-forward would do", () => {
    assert.equal(ingressAddress({ ingressService: null, ingressPods: gatewayPods }), null);
    const clusterIP = service("ClusterIP", undefined, [{ name: "http2", port: 80, targetPort: 8080 }]);
    assert.equal(ingressAddress({ ingressService: clusterIP, ingressPods: gatewayPods }), null);
    assert.equal(
      ingressAddress({ ingressService: service("NodePort"), ingressPods: [pod("gw", undefined, false)] }),
      null,
    );
  });
});

describe("portForwardTarget", () => {
  test("a Ready gateway pod and the http2 target port", () => {
    const pods = [pod("gw-old", "172.18.0.9", false), pod("gw-new", "172.18.0.3", true)];
    const clusterIP = service("ClusterIP", undefined, [{ name: "http2", port: 80, targetPort: 8080 }]);
    assert.deepEqual(portForwardTarget({ ingressService: clusterIP, ingressPods: pods }), {
      namespace: "istio-system",
      pod: "gw-new",
      port: 8080,
    });
  });
  test("a named target port resolves through the container's ports; no service means 8080", () => {
    const named = service("ClusterIP", undefined, [{ name: "http2", port: 80, targetPort: "http2" }]);
    assert.equal(portForwardTarget({ ingressService: named, ingressPods: gatewayPods })?.port, 8080);
    assert.equal(portForwardTarget({ ingressService: null, ingressPods: gatewayPods })?.port, 8080);
  });
  test("no Ready pod, no target", () => {
    assert.equal(
      portForwardTarget({ ingressService: null, ingressPods: [pod("gw", "1.1.1.1", false)] }),
      null,
    );
  });
});

test("normalizeUrl adds the scheme and drops a trailing slash", () => {
  assert.equal(normalizeUrl("192.168.49.2:31380"), "http://192.168.49.2:31380");
  assert.equal(normalizeUrl("https://bookinfo.example.com/"), "https://bookinfo.example.com");
});
