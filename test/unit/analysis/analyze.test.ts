import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { analyze } from "../../../source/analysis/analyze.ts";
import { explaining, findingLine } from "../../../source/analysis/finding.ts";
import type { KubeObject } from "../../../source/model/kube.ts";
import type { Snapshot } from "../../../source/model/snapshot.ts";
import {
  bookinfo,
  ingressPod,
  ingressService,
  manifest,
  NS,
  namespace,
  nodePortGateway,
  ok,
  pod,
  reviewsVirtualService,
  served,
  snapshot,
} from "../tutorial/fixtures.ts";

// One table row per finding: a minimal snapshot that triggers it, one that does not, and the
// exact line istioctl analyze prints for it.

const gatewayFile = manifest("bookinfo-gateway.yaml");
const [gateway, gatewayRoutes] = [
  gatewayFile.find((o) => o.kind === "Gateway")!,
  gatewayFile.find((o) => o.kind === "VirtualService")!,
];
const services = manifest("bookinfo.yaml").filter((o) => o.kind === "Service");

/** Bookinfo deployed, labelled, exposed through the tour's Gateway: nothing to report. */
function healthy(overrides: Partial<Snapshot> = {}): Snapshot {
  return snapshot({
    namespaceObject: namespace({ "istio-injection": "enabled" }),
    ...bookinfo(),
    services,
    ingressPods: [ingressPod()],
    ingressService: ingressService(),
    gateways: [gateway],
    virtualServices: [gatewayRoutes],
    gateway: nodePortGateway,
    ...overrides,
  });
}

const withSpec = (object: KubeObject, spec: Record<string, unknown>): KubeObject => ({
  ...object,
  spec: { ...(object.spec as object), ...spec },
});
const inNamespace = (object: KubeObject, namespace: string, created: string): KubeObject => ({
  ...object,
  metadata: {
    ...object.metadata,
    namespace,
    uid: `${namespace}-${object.metadata.uid}`,
    creationTimestamp: created,
  },
});
const destinationRule = (name: string, spec: Record<string, unknown>): KubeObject =>
  served({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name }, spec });
const virtualService = (name: string, spec: Record<string, unknown>): KubeObject =>
  served({ apiVersion: "networking.istio.io/v1", kind: "VirtualService", metadata: { name }, spec });
const reviewsV1 = reviewsVirtualService([{ route: [{ destination: { host: "reviews", subset: "v1" } }] }]);
const reviewsRule = destinationRule("reviews", {
  host: "reviews",
  subsets: ["v1", "v2", "v3"].map((v) => ({ name: v, labels: { version: v } })),
});
const podName = (deployment: string) => `${deployment}-7d9f8c6b5-x2k9q`;
const older = "2025-06-01T10:00:00Z";
const newer = "2025-06-01T11:00:00Z";

interface Row {
  finding: string;
  triggers: Snapshot;
  clean: Snapshot;
  lines: string[];
}

const rows: Row[] = [
  {
    finding: "IST0101 a route names a subset no DestinationRule defines",
    triggers: healthy({ virtualServices: [gatewayRoutes, reviewsV1] }),
    clean: healthy({ virtualServices: [gatewayRoutes, reviewsV1], destinationRules: [reviewsRule] }),
    lines: [
      'Error [IST0101] (VirtualService bookinfo/reviews) Referenced host+subset in destinationrule not found: "reviews+v1"',
    ],
  },
  {
    finding: "IST0101 a route names a host that is no Service",
    triggers: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviewz" } }] }]),
      ],
    }),
    clean: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviews" } }] }]),
      ],
    }),
    lines: ['Error [IST0101] (VirtualService bookinfo/reviews) Referenced host not found: "reviewz"'],
  },
  {
    finding: "IST0101 a route names a port its Service does not have",
    triggers: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviews", port: { number: 9999 } } }] }]),
      ],
    }),
    clean: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviews", port: { number: 9080 } } }] }]),
      ],
    }),
    lines: [
      'Error [IST0101] (VirtualService bookinfo/reviews) Referenced host:port not found: "reviews:9999"',
    ],
  },
  {
    finding: "IST0101 a mirror names a subset no DestinationRule defines",
    triggers: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([
          {
            route: [{ destination: { host: "reviews", subset: "v1" } }],
            mirror: { host: "reviews", subset: "v9" },
          },
        ]),
      ],
      destinationRules: [reviewsRule],
    }),
    clean: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([
          {
            route: [{ destination: { host: "reviews", subset: "v1" } }],
            mirror: { host: "reviews", subset: "v2" },
          },
        ]),
      ],
      destinationRules: [reviewsRule],
    }),
    lines: [
      'Error [IST0101] (VirtualService bookinfo/reviews) Referenced mirror+subset in destinationrule not found: "reviews+v9"',
    ],
  },
  {
    finding: "IST0101 and IST0132 a VirtualService bound to a Gateway that does not exist",
    triggers: healthy({ virtualServices: [withSpec(gatewayRoutes, { gateways: ["bogus-gateway"] })] }),
    clean: healthy(),
    lines: [
      'Error [IST0101] (VirtualService bookinfo/bookinfo) Referenced gateway not found: "bogus-gateway"',
      "Warning [IST0132] (VirtualService bookinfo/bookinfo) one or more host [*] defined in VirtualService bookinfo/bookinfo not found in Gateway bookinfo/bogus-gateway.",
    ],
  },
  {
    finding: "IST0101 a Gateway whose selector matches no pod",
    triggers: healthy({ gateways: [withSpec(gateway, { selector: { istio: "ingress" } })] }),
    clean: healthy(),
    lines: [
      'Error [IST0101] (Gateway bookinfo/bookinfo-gateway) Referenced selector not found: "istio=ingress"',
    ],
  },
  {
    finding: "IST0102 a namespace without an injection label",
    triggers: healthy({ namespaceObject: namespace() }),
    clean: healthy(),
    lines: [
      "Info [IST0102] (Namespace bookinfo) The namespace is not enabled for Istio injection. Run 'kubectl label namespace bookinfo istio-injection=enabled' to enable it, or 'kubectl label namespace bookinfo istio-injection=disabled' to explicitly mark it as not needing injection.",
    ],
  },
  {
    finding: "IST0103 a pod of a labelled namespace without the proxy",
    triggers: healthy({ pods: [pod("details-v1", { sidecar: false })], deployments: bookinfo().deployments }),
    clean: healthy({ pods: [pod("details-v1")] }),
    lines: [
      `Warning [IST0103] (Pod bookinfo/${podName("details-v1")}) The pod bookinfo/${podName("details-v1")} is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.`,
    ],
  },
  {
    finding: "IST0109 two mesh VirtualServices for the same host",
    triggers: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsV1,
        virtualService("reviews-canary", { hosts: ["reviews"], http: [] }),
      ],
      destinationRules: [reviewsRule],
    }),
    clean: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsV1,
        virtualService("ratings", {
          hosts: ["ratings"],
          http: [{ route: [{ destination: { host: "ratings" } }] }],
        }),
      ],
      destinationRules: [reviewsRule],
    }),
    lines: [
      "Error [IST0109] (VirtualService bookinfo/reviews) The VirtualServices bookinfo/reviews,bookinfo/reviews-canary associated with mesh gateway define the same host */reviews.bookinfo.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
      "Error [IST0109] (VirtualService bookinfo/reviews-canary) The VirtualServices bookinfo/reviews,bookinfo/reviews-canary associated with mesh gateway define the same host */reviews.bookinfo.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
    ],
  },
  {
    finding: "IST0112 a route to a Service of two ports that names none",
    triggers: healthy({
      services: services.map((s) =>
        s.metadata.name === "reviews"
          ? withSpec(s, {
              ports: [
                { name: "http", port: 9080 },
                { name: "grpc", port: 9090 },
              ],
            })
          : s,
      ),
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviews" } }] }]),
      ],
    }),
    clean: healthy({
      virtualServices: [
        gatewayRoutes,
        reviewsVirtualService([{ route: [{ destination: { host: "reviews" } }] }]),
      ],
    }),
    lines: [
      'Error [IST0112] (VirtualService bookinfo/reviews) This VirtualService routes to a service "reviews" that exposes multiple ports [9080 9090]. Specifying a port in the destination is required to disambiguate.',
    ],
  },
  {
    finding: "IST0123 a namespace with two injection labels",
    triggers: healthy({
      namespaceObject: namespace({ "istio-injection": "enabled", "istio.io/rev": "default" }),
    }),
    clean: healthy({ namespaceObject: namespace({ "istio.io/rev": "default" }) }),
    lines: [
      "Warning [IST0123] (Namespace bookinfo) The namespace has more than one type of injection labels [istio-injection=enabled istio.io/rev=default], which may lead to undefined behavior. Make sure only one injection label exists.",
    ],
  },
  {
    finding: "IST0128 TLS to a host whose certificate nothing verifies",
    triggers: healthy({
      destinationRules: [
        destinationRule("details", { host: "details", trafficPolicy: { tls: { mode: "SIMPLE" } } }),
      ],
    }),
    clean: healthy({
      destinationRules: [
        destinationRule("details", { host: "details", trafficPolicy: { tls: { mode: "ISTIO_MUTUAL" } } }),
      ],
    }),
    lines: [
      "Warning [IST0128] (DestinationRule bookinfo/details) DestinationRule bookinfo/details in namespace bookinfo has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: details",
    ],
  },
  {
    finding: "IST0129 the same for one port",
    triggers: healthy({
      destinationRules: [
        destinationRule("details", {
          host: "details",
          trafficPolicy: { portLevelSettings: [{ port: { number: 9080 }, tls: { mode: "MUTUAL" } }] },
        }),
      ],
    }),
    clean: healthy({
      destinationRules: [
        destinationRule("details", {
          host: "details",
          trafficPolicy: {
            portLevelSettings: [
              { port: { number: 9080 }, tls: { mode: "MUTUAL", caCertificates: "/etc/ca.pem" } },
            ],
          },
        }),
      ],
    }),
    lines: [
      "Warning [IST0129] (DestinationRule bookinfo/details) DestinationRule bookinfo/details in namespace bookinfo has TLS mode set to MUTUAL but no caCertificates are set to validate server identity for host: details at port number:9080",
    ],
  },
  {
    finding: "IST0132 a VirtualService host its Gateway does not take",
    triggers: healthy({
      gateways: [
        withSpec(gateway, {
          servers: [
            { port: { number: 8080, name: "http", protocol: "HTTP" }, hosts: ["bookinfo.example.com"] },
          ],
        }),
      ],
      virtualServices: [withSpec(gatewayRoutes, { hosts: ["shop.example.com"] })],
    }),
    clean: healthy({
      gateways: [
        withSpec(gateway, {
          servers: [{ port: { number: 8080, name: "http", protocol: "HTTP" }, hosts: ["*.example.com"] }],
        }),
      ],
      virtualServices: [withSpec(gatewayRoutes, { hosts: ["shop.example.com"] })],
    }),
    lines: [
      "Warning [IST0132] (VirtualService bookinfo/bookinfo) one or more host [shop.example.com] defined in VirtualService bookinfo/bookinfo not found in Gateway bookinfo/bookinfo-gateway.",
    ],
  },
  {
    finding: "IST0145 another namespace's Gateway claims the same host and port",
    triggers: healthy({
      gateways: [inNamespace(gateway, NS, newer)],
      virtualServices: [inNamespace(gatewayRoutes, NS, newer)],
      clusterGateways: [inNamespace(gateway, "default", older), inNamespace(gateway, NS, newer)],
      clusterVirtualServices: [inNamespace(gatewayRoutes, "default", older)],
    }),
    clean: healthy({
      clusterGateways: [
        inNamespace(
          withSpec(gateway, {
            servers: [{ port: { number: 9080, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
          }),
          "default",
          older,
        ),
      ],
    }),
    lines: [
      "Error [IST0145] (Gateway bookinfo/bookinfo-gateway) Conflict with gateways default/bookinfo-gateway (workload selector istio=ingressgateway, port 8080, hosts *).",
    ],
  },
  {
    finding: "IST0162 a Gateway port the ingress gateway's Service does not forward",
    triggers: healthy({
      gateways: [
        withSpec(gateway, {
          servers: [{ port: { number: 8004, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
        }),
      ],
    }),
    clean: healthy({
      gateways: [
        withSpec(gateway, {
          servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
        }),
      ],
    }),
    lines: [
      "Warning [IST0162] (Gateway bookinfo/bookinfo-gateway) The gateway is listening on a target port (port 8004) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.",
    ],
  },
  {
    finding: "IST0173 a subset whose labels no pod has",
    triggers: healthy({
      destinationRules: [
        destinationRule("reviews", { host: "reviews", subsets: [{ name: "v4", labels: { version: "v4" } }] }),
      ],
    }),
    clean: healthy({ destinationRules: [reviewsRule] }),
    lines: [
      "Error [IST0173] (DestinationRule bookinfo/reviews) The Subset v4 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
    ],
  },
  {
    finding: "IST0174 a DestinationRule for a host that is no Service",
    triggers: healthy({ destinationRules: [destinationRule("reviewz", { host: "reviewz" })] }),
    clean: healthy({ destinationRules: [destinationRule("reviews", { host: "reviews" })] }),
    lines: [
      "Warning [IST0174] (DestinationRule bookinfo/reviewz) The host reviewz defined in the DestinationRule does not match any services in the mesh.",
    ],
  },
  {
    finding: "KBI0001 the sampled page came from another namespace's Bookinfo",
    triggers: healthy({
      gateways: [inNamespace(gateway, NS, newer)],
      virtualServices: [inNamespace(gatewayRoutes, NS, newer)],
      clusterGateways: [inNamespace(gateway, "default", older)],
      clusterVirtualServices: [inNamespace(gatewayRoutes, "default", older)],
      samples: [{ ...ok("v2"), reviewsPod: "reviews-v2-5b667bcbf8-abcde" }],
    }),
    clean: healthy({ samples: [{ ...ok("v2"), reviewsPod: podName("reviews-v2") }] }),
    lines: [
      "Error [IST0145] (Gateway bookinfo/bookinfo-gateway) Conflict with gateways default/bookinfo-gateway (workload selector istio=ingressgateway, port 8080, hosts *).",
      "Error [KBI0001] (Namespace bookinfo) The product page at http://172.18.0.2:31380 is served by default's Bookinfo (VirtualService default/bookinfo takes /productpage first): reviews pod reviews-v2-5b667bcbf8-abcde is not in namespace bookinfo.",
    ],
  },
  {
    finding: "KBI0002 other namespaces' Gateways could not be read",
    triggers: healthy({ unreadable: { clusterGateways: "forbidden", clusterVirtualServices: "forbidden" } }),
    clean: healthy(),
    lines: [
      "Info [KBI0002] (Namespace bookinfo) Not checked, because this context may not read them: Gateways and VirtualServices of other namespaces (conflicts on the shared ingress gateway).",
    ],
  },
];

describe("mesh analysis, one finding at a time", () => {
  test("a healthy Bookinfo has nothing to report", () => {
    assert.deepEqual(analyze(healthy()).map(findingLine), []);
  });

  for (const row of rows) {
    test(row.finding, () => {
      assert.deepEqual(analyze(row.triggers).map(findingLine), row.lines);
      assert.deepEqual(analyze(row.clean).map(findingLine), []);
    });
  }
});

describe("what the findings say beyond istioctl's line", () => {
  const conflict = rows.find((r) => r.finding.startsWith("IST0145"))!.triggers;

  test("a conflict on the shared ingress says whose Bookinfo gets the pages: the older routes win", () => {
    const [finding] = analyze(conflict);
    assert.equal(
      finding?.summary,
      "Gateway bookinfo/bookinfo-gateway conflicts with default/bookinfo-gateway on host * port 8080; traffic reaches default's Bookinfo",
    );
    assert.deepEqual(finding?.related, [
      { kind: "Gateway", namespace: "default", name: "bookinfo-gateway" },
      { kind: "VirtualService", namespace: "default", name: "bookinfo" },
    ]);
    const ours = analyze({
      ...conflict,
      virtualServices: [inNamespace(gatewayRoutes, NS, "2025-06-01T09:00:00Z")],
    })[0];
    assert.match(ours?.summary ?? "", /traffic reaches bookinfo's Bookinfo$/);
  });

  test("fixes are data: the label, the restart of the pod's own deployment, the file to apply", () => {
    assert.deepEqual(analyze(healthy({ namespaceObject: namespace() }))[0]?.fix, {
      steps: [{ do: "label", namespace: NS, labels: { "istio-injection": "enabled" } }],
    });
    const missing = analyze(healthy({ pods: [pod("reviews-v2", { sidecar: false })] }))[0];
    assert.deepEqual(missing?.fix, {
      steps: [{ do: "restart", namespace: NS, deployments: ["reviews-v2"] }],
    });
    const subset = analyze(healthy({ virtualServices: [gatewayRoutes, reviewsV1] }))[0];
    assert.deepEqual(subset?.fix?.steps, [
      { do: "apply", namespace: NS, file: "samples/bookinfo/networking/destination-rule-all.yaml" },
    ]);
  });

  test("a subset nothing routes to is reported, as istioctl does, but explains no failure", () => {
    const unused = healthy({
      destinationRules: [
        destinationRule("ratings", { host: "ratings", subsets: [{ name: "v2", labels: { version: "v2" } }] }),
      ],
    });
    const findings = analyze(unused);
    assert.equal(findings[0]?.code, "IST0173");
    assert.deepEqual(explaining(findings), []);
    const used = {
      ...unused,
      virtualServices: [
        gatewayRoutes,
        virtualService("ratings", {
          hosts: ["ratings"],
          http: [{ route: [{ destination: { host: "ratings", subset: "v2" } }] }],
        }),
      ],
    };
    assert.deepEqual(
      explaining(analyze(used)).map((f) => f.code),
      ["IST0173"],
    );
  });

  test("without other namespaces in sight, no conflict is claimed and the gap is said", () => {
    const blind = { ...conflict, clusterGateways: [], unreadable: { clusterGateways: "forbidden" } };
    assert.deepEqual(
      analyze(blind).map((f) => f.code),
      ["KBI0002"],
    );
  });

  test("a page from elsewhere before this namespace has routes of its own is a warning, not an error", () => {
    const early = snapshot({
      gateway: nodePortGateway,
      namespaceObject: namespace({ "istio-injection": "enabled" }),
      samples: [{ ...ok("v1"), reviewsPod: "reviews-v1-5b667bcbf8-abcde" }],
    });
    const [finding] = analyze(early);
    assert.equal(finding?.code, "KBI0001");
    assert.equal(finding?.level, "Warning");
    assert.equal(
      finding?.summary,
      "GATEWAY_URL answers with another namespace's Bookinfo, not namespace bookinfo's (reviews pod reviews-v1-5b667bcbf8-abcde is not in bookinfo)",
    );
  });

  test("a Gateway selecting a Helm-installed gateway's pods (istio=ingress) is judged by those pods", () => {
    const helm = ingressPod({ app: "istio-ingress", istio: "ingress" });
    const selecting = healthy({
      gateways: [withSpec(gateway, { selector: { istio: "ingress" } })],
      ingressPods: [helm],
    });
    assert.deepEqual(
      analyze(selecting).map((f) => f.code),
      [],
    );
    const [missing] = analyze(healthy({ ingressPods: [helm] }));
    assert.equal(missing?.code, "IST0101");
    assert.equal(
      missing?.fix?.lead,
      "the ingress gateway pods are labelled istio=ingress; set spec.selector to match",
    );
  });

  test("nothing is analyzed without Istio", () => {
    assert.deepEqual(
      analyze({
        ...healthy({ namespaceObject: namespace() }),
        istio: { installed: false, version: null, networkingVersion: null },
      }),
      [],
    );
  });
});
