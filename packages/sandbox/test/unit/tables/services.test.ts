import assert from "node:assert/strict";
import { test } from "node:test";
import { externalIP, portsText, type Service, servicePrinter } from "../../../src/tables/services.ts";

const NOW = Date.parse("2025-06-01T12:00:00Z");

function service(spec: Service["spec"], status?: Service["status"]): Service {
  return {
    metadata: { name: "productpage", creationTimestamp: "2025-06-01T10:00:00Z" },
    spec,
    ...(status ? { status } : {}),
  };
}

test("a ClusterIP service prints like kubectl get svc -o wide", () => {
  const svc = service({
    type: "ClusterIP",
    clusterIP: "10.96.12.7",
    clusterIPs: ["10.96.12.7"],
    ports: [{ port: 9080, protocol: "TCP" }],
    selector: { app: "productpage" },
  });
  assert.deepEqual(servicePrinter.cells(svc, NOW), [
    "productpage",
    "ClusterIP",
    "10.96.12.7",
    "<none>",
    "9080/TCP",
    // Below three hours kubectl still counts minutes.
    "120m",
    "app=productpage",
  ]);
  assert.deepEqual(
    servicePrinter.columns.map((c) => [c.name, c.priority]),
    [
      ["Name", 0],
      ["Type", 0],
      ["Cluster-IP", 0],
      ["External-IP", 0],
      ["Port(s)", 0],
      ["Age", 0],
      ["Selector", 1],
    ],
  );
});

test("node ports appear after a colon, ports are comma-joined", () => {
  assert.equal(
    portsText([
      { port: 15021, nodePort: 31021, protocol: "TCP" },
      { port: 80, nodePort: 31380, protocol: "TCP" },
      { port: 53, protocol: "UDP" },
    ]),
    "15021:31021/TCP,80:31380/TCP,53/UDP",
  );
});

test("a service without ports or selector prints <none> for both", () => {
  const cells = servicePrinter.cells(service({ type: "ClusterIP", clusterIP: "None" }), NOW);
  assert.equal(cells[2], "None");
  assert.equal(cells[4], "<none>");
  assert.equal(cells[6], "<none>");
});

test("EXTERNAL-IP follows the service type", () => {
  assert.equal(externalIP(service({ type: "NodePort" })), "<none>");
  assert.equal(externalIP(service({ type: "NodePort", externalIPs: ["192.0.2.1"] })), "192.0.2.1");
  assert.equal(externalIP(service({ type: "LoadBalancer" })), "<pending>");
  assert.equal(externalIP(service({ type: "LoadBalancer" }, { loadBalancer: { ingress: [] } })), "<pending>");
  assert.equal(
    externalIP(
      service(
        { type: "LoadBalancer" },
        {
          loadBalancer: {
            ingress: [{ ip: "172.18.255.200" }, { hostname: "a.example.com" }, { ip: "172.18.255.200" }],
          },
        },
      ),
    ),
    "172.18.255.200,a.example.com",
  );
  assert.equal(
    externalIP(
      service(
        { type: "LoadBalancer", externalIPs: ["5.6.7.8"] },
        { loadBalancer: { ingress: [{ ip: "3.4.5.6" }, { ip: "2.3.4.5" }] } },
      ),
    ),
    "2.3.4.5,3.4.5.6,5.6.7.8",
  );
  assert.equal(
    externalIP(service({ type: "ExternalName", externalName: "db.example.com" })),
    "db.example.com",
  );
});

test("a stored service without type is the API default, ClusterIP", () => {
  const cells = servicePrinter.cells(service({ clusterIP: "10.96.0.10", ports: [{ port: 9080 }] }), NOW);
  assert.equal(cells[1], "ClusterIP");
  assert.equal(cells[4], "9080/TCP");
});
