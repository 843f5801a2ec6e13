import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { istioCrds } from "../../src/istio/crds.ts";
import { bookinfoImage, istioSeedObjects } from "../../src/istio/seed.ts";
import type { KubeObject } from "../../src/kube.ts";

const opts = {
  istioVersion: "1.27.1",
  httpNodePort: 31080,
  httpsNodePort: 31443,
  statusNodePort: 31021,
  nodeName: "bookinfo-sandbox-control-plane",
};
const seed = istioSeedObjects(opts);

type Labels = Record<string, string>;
interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}
interface Port {
  name?: string;
  port: number;
  targetPort?: number;
  nodePort?: number;
  protocol?: string;
}
interface Workload extends KubeObject {
  spec: {
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        serviceAccountName: string;
        containers: { name: string; image: string; ports?: { containerPort: number }[] }[];
      };
    };
  };
}
interface Svc extends KubeObject {
  spec: { type: string; clusterIP: string; selector?: Labels; ports: Port[] };
}
interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number } };
  failurePolicy: string;
  sideEffects: string;
  namespaceSelector: { matchExpressions: Requirement[] };
  objectSelector: { matchExpressions: Requirement[] };
  rules: { operations: string[]; resources: string[]; apiGroups: string[]; apiVersions: string[] }[];
}
interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: Record<string, unknown> };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string }[];
  subresources?: Record<string, unknown>;
}
interface Crd extends KubeObject {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; singular: string; shortNames?: string[]; categories: string[] };
    versions: CrdVersion[];
  };
}

function find<T extends KubeObject>(kind: string, name: string, namespace?: string): T {
  const found = seed.filter(
    (o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace,
  );
  assert.equal(found.length, 1, `exactly one ${kind} ${namespace ?? ""}/${name}`);
  return found[0] as T;
}

const matches = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

// Kubernetes' label-selector semantics for matchExpressions, to check what the webhook
// selectors mean rather than how they are spelled.
function satisfies(labels: Labels, requirements: Requirement[]): boolean {
  return requirements.every(({ key, operator, values = [] }) => {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case "In":
        return has && values.includes(labels[key] ?? "");
      case "NotIn":
        return !has || !values.includes(labels[key] ?? "");
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        throw new Error(`unknown operator ${operator}`);
    }
  });
}

describe("istioSeedObjects", () => {
  test("has the standard namespaces plus istio-system, each with a default ServiceAccount", () => {
    const namespaces = seed.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
    assert.deepEqual(namespaces.sort(), [
      "default",
      "istio-system",
      "kube-node-lease",
      "kube-public",
      "kube-system",
    ]);
    for (const ns of namespaces) {
      find("ServiceAccount", "default", ns);
      assert.equal(find("Namespace", ns ?? "").metadata.labels?.["kubernetes.io/metadata.name"], ns);
    }
  });

  test("leaves identity to the store and only uses namespaces it creates", () => {
    const namespaces = new Set(seed.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    const keys = new Set<string>();
    for (const o of seed) {
      assert.ok(o.apiVersion && o.kind && o.metadata.name, JSON.stringify(o.metadata));
      assert.equal(o.metadata.uid, undefined);
      assert.equal(o.metadata.resourceVersion, undefined);
      if (o.metadata.namespace) assert.ok(namespaces.has(o.metadata.namespace), o.metadata.namespace);
      const key = `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
      assert.ok(!keys.has(key), `duplicate ${key}`);
      keys.add(key);
    }
  });

  test("has one Ready node reachable on 127.0.0.1", () => {
    const node = find<KubeObject>("Node", opts.nodeName);
    const status = node.status as {
      conditions: { type: string; status: string }[];
      addresses: { type: string; address: string }[];
      nodeInfo: Record<string, string>;
      capacity: Labels;
      allocatable: Labels;
    };
    assert.equal(status.conditions.find((c) => c.type === "Ready")?.status, "True");
    assert.deepEqual(status.addresses, [
      { type: "InternalIP", address: "127.0.0.1" },
      { type: "Hostname", address: opts.nodeName },
    ]);
    assert.match(status.nodeInfo.kubeletVersion ?? "", /^v1\.32\.\d+$/);
    assert.equal(status.nodeInfo.architecture, "amd64");
    for (const field of ["containerRuntimeVersion", "osImage", "kernelVersion"]) {
      assert.ok(status.nodeInfo[field], field);
    }
    assert.ok(status.capacity.pods && status.allocatable.cpu);
    assert.equal(node.metadata.labels?.["kubernetes.io/hostname"], opts.nodeName);
    assert.ok(Object.hasOwn(node.metadata.labels ?? {}, "node-role.kubernetes.io/control-plane"));
  });

  test("runs istiod as Istio's detection recipe expects", () => {
    const istiod = find<Workload>("Deployment", "istiod", "istio-system");
    for (const labels of [istiod.metadata.labels ?? {}, istiod.spec.template.metadata.labels]) {
      assert.ok(matches({ app: "istiod", istio: "pilot", "istio.io/rev": "default" }, labels));
    }
    assert.ok(matches(istiod.spec.selector.matchLabels, istiod.spec.template.metadata.labels));
    const [discovery] = istiod.spec.template.spec.containers;
    assert.equal(discovery?.name, "discovery");
    assert.equal(discovery?.image, "docker.io/istio/pilot:1.27.1");
    find("ServiceAccount", istiod.spec.template.spec.serviceAccountName, "istio-system");

    const svc = find<Svc>("Service", "istiod", "istio-system");
    assert.equal(svc.spec.type, "ClusterIP");
    assert.ok(svc.spec.selector && matches(svc.spec.selector, istiod.spec.template.metadata.labels));
    assert.deepEqual(
      svc.spec.ports.map((p) => [p.port, p.targetPort]),
      [
        [15010, 15010],
        [15012, 15012],
        [443, 15017],
        [15014, 15014],
      ],
    );
  });

  test("runs the ingress gateway with the labels Gateways select and the current ports", () => {
    const gw = find<Workload>("Deployment", "istio-ingressgateway", "istio-system");
    const podLabels = gw.spec.template.metadata.labels;
    assert.ok(matches({ app: "istio-ingressgateway", istio: "ingressgateway" }, podLabels));
    assert.ok(matches(gw.spec.selector.matchLabels, podLabels));
    assert.equal(podLabels["sidecar.istio.io/inject"], "false", "the gateway is never injected");
    const [proxy] = gw.spec.template.spec.containers;
    assert.equal(proxy?.name, "istio-proxy");
    assert.equal(proxy?.image, "docker.io/istio/proxyv2:1.27.1");
    assert.deepEqual(
      proxy?.ports?.map((p) => p.containerPort),
      [15021, 8080, 8443, 15090],
    );
    find("ServiceAccount", gw.spec.template.spec.serviceAccountName, "istio-system");

    const svc = find<Svc>("Service", "istio-ingressgateway", "istio-system");
    assert.equal(svc.spec.type, "NodePort");
    assert.deepEqual(svc.spec.selector, { app: "istio-ingressgateway", istio: "ingressgateway" });
    assert.ok(matches(svc.spec.selector, podLabels));
    assert.ok(matches({ app: "istio-ingressgateway", istio: "ingressgateway" }, svc.metadata.labels ?? {}));
    assert.deepEqual(
      svc.spec.ports.map(({ name, port, targetPort, nodePort }) => ({ name, port, targetPort, nodePort })),
      [
        { name: "status-port", port: 15021, targetPort: 15021, nodePort: 31021 },
        { name: "http2", port: 80, targetPort: 8080, nodePort: 31080 },
        { name: "https", port: 443, targetPort: 8443, nodePort: 31443 },
      ],
    );
    for (const p of svc.spec.ports) {
      assert.ok(
        proxy?.ports?.some((c) => c.containerPort === p.targetPort),
        `${p.name} targets a container port`,
      );
    }
  });

  test("uses the node ports it is given", () => {
    const other = istioSeedObjects({
      ...opts,
      httpNodePort: 30001,
      httpsNodePort: 30002,
      statusNodePort: 30003,
    });
    const svc = other.find((o) => o.metadata.name === "istio-ingressgateway" && o.kind === "Service") as Svc;
    assert.deepEqual(
      svc.spec.ports.map((p) => p.nodePort),
      [30003, 30001, 30002],
    );
  });

  test("has the mesh and injector ConfigMaps", () => {
    const mesh = find<KubeObject>("ConfigMap", "istio", "istio-system").data as Labels;
    assert.match(mesh.mesh ?? "", /rootNamespace: istio-system/);
    const injector = find<KubeObject>("ConfigMap", "istio-sidecar-injector", "istio-system").data as Labels;
    assert.ok(injector.config);
    const values = JSON.parse(injector.values ?? "") as { global: { tag: string } };
    assert.equal(values.global.tag, "1.27.1");
  });

  test("has the kubernetes Service at 10.96.0.1:443", () => {
    const svc = find<Svc>("Service", "kubernetes", "default");
    assert.equal(svc.spec.type, "ClusterIP");
    assert.equal(svc.spec.clusterIP, "10.96.0.1");
    assert.equal(svc.spec.selector, undefined);
    assert.deepEqual(
      svc.spec.ports.map((p) => [p.name, p.port]),
      [["https", 443]],
    );
  });
});

describe("the sidecar injector webhook", () => {
  const mwc = find<KubeObject>("MutatingWebhookConfiguration", "istio-sidecar-injector");
  const webhooks = mwc.webhooks as Webhook[];

  test("is labelled for discovery and calls istiod's /inject on pod creation", () => {
    assert.equal(mwc.apiVersion, "admissionregistration.k8s.io/v1");
    assert.ok(matches({ app: "sidecar-injector", "istio.io/rev": "default" }, mwc.metadata.labels ?? {}));
    assert.deepEqual(
      webhooks.map((w) => w.name),
      [
        "rev.namespace.sidecar-injector.istio.io",
        "rev.object.sidecar-injector.istio.io",
        "namespace.sidecar-injector.istio.io",
        "object.sidecar-injector.istio.io",
      ],
    );
    for (const w of webhooks) {
      assert.deepEqual(w.clientConfig.service, {
        name: "istiod",
        namespace: "istio-system",
        path: "/inject",
        port: 443,
      });
      assert.equal(w.failurePolicy, "Fail");
      assert.equal(w.sideEffects, "None");
      assert.deepEqual(w.admissionReviewVersions, ["v1"]);
      assert.deepEqual(
        w.rules.flatMap((r) => r.operations),
        ["CREATE"],
      );
      assert.deepEqual(
        w.rules.flatMap((r) => r.resources),
        ["pods"],
      );
    }
  });

  // [namespace labels, pod labels, expected webhook or null]
  const cases: [Labels, Labels, string | null][] = [
    [{ "istio-injection": "enabled" }, {}, "namespace.sidecar-injector.istio.io"],
    [{ "istio-injection": "enabled" }, { "sidecar.istio.io/inject": "false" }, null],
    [{ "istio-injection": "enabled", "istio.io/rev": "default" }, {}, "namespace.sidecar-injector.istio.io"],
    [{ "istio-injection": "disabled" }, {}, null],
    [{ "istio-injection": "disabled", "istio.io/rev": "default" }, {}, null],
    [{ "istio-injection": "disabled" }, { "sidecar.istio.io/inject": "true" }, null],
    [{ "istio.io/rev": "default" }, {}, "rev.namespace.sidecar-injector.istio.io"],
    [{ "istio.io/rev": "default" }, { "sidecar.istio.io/inject": "false" }, null],
    [{ "istio.io/rev": "canary" }, {}, null],
    [{}, { "istio.io/rev": "default" }, "rev.object.sidecar-injector.istio.io"],
    [{}, { "sidecar.istio.io/inject": "true" }, "object.sidecar-injector.istio.io"],
    [{}, { "sidecar.istio.io/inject": "true", "istio.io/rev": "canary" }, null],
    [{}, {}, null],
    // istio-injection on the namespace decides alone, whatever the pod asks for.
    [{ "istio-injection": "disabled" }, { "istio.io/rev": "default" }, null],
    [{ "istio-injection": "enabled" }, { "istio.io/rev": "default" }, "namespace.sidecar-injector.istio.io"],
    [
      { "istio.io/rev": "default" },
      { "sidecar.istio.io/inject": "true" },
      "rev.namespace.sidecar-injector.istio.io",
    ],
    [{}, { app: "reviews", version: "v1" }, null],
  ];
  for (const [nsLabels, podLabels, expected] of cases) {
    test(`namespace ${JSON.stringify(nsLabels)} + pod ${JSON.stringify(podLabels)} -> ${expected ?? "no injection"}`, () => {
      const firing = webhooks
        .filter(
          (w) =>
            satisfies(nsLabels, w.namespaceSelector.matchExpressions) &&
            satisfies(podLabels, w.objectSelector.matchExpressions),
        )
        .map((w) => w.name);
      assert.deepEqual(firing, expected ? [expected] : []);
    });
  }
});

describe("istioCrds", () => {
  const crds = istioCrds() as Crd[];
  const byName = new Map(crds.map((c) => [c.metadata.name, c]));

  test("registers every kind of a current install, each with one storage version and a real schema", () => {
    for (const name of [
      "gateways.networking.istio.io",
      "virtualservices.networking.istio.io",
      "destinationrules.networking.istio.io",
      "serviceentries.networking.istio.io",
      "sidecars.networking.istio.io",
      "workloadentries.networking.istio.io",
      "workloadgroups.networking.istio.io",
      "envoyfilters.networking.istio.io",
      "proxyconfigs.networking.istio.io",
      "authorizationpolicies.security.istio.io",
      "peerauthentications.security.istio.io",
      "requestauthentications.security.istio.io",
      "telemetries.telemetry.istio.io",
      "wasmplugins.extensions.istio.io",
    ]) {
      assert.ok(byName.has(name), name);
    }
    assert.equal(byName.size, crds.length, "no duplicates");
    for (const c of crds) {
      assert.equal(c.apiVersion, "apiextensions.k8s.io/v1");
      assert.equal(c.kind, "CustomResourceDefinition");
      assert.equal(c.metadata.name, `${c.spec.names.plural}.${c.spec.group}`);
      assert.equal(c.spec.scope, "Namespaced");
      assert.ok(c.spec.names.categories.includes("istio-io"));
      assert.equal(c.spec.versions.filter((v) => v.storage).length, 1, `${c.metadata.name} has one storage`);
      for (const v of c.spec.versions) {
        const schema = v.schema.openAPIV3Schema as { type: string; properties: Record<string, any> };
        assert.equal(schema.type, "object");
        // The spec is declared field by field (so unknown fields are pruned); status is open.
        assert.equal(schema.properties.spec.type, "object");
        assert.ok(Object.keys(schema.properties.spec.properties).length > 0, c.metadata.name);
        assert.equal(schema.properties.spec["x-kubernetes-preserve-unknown-fields"], undefined);
        assert.equal(schema.properties.status["x-kubernetes-preserve-unknown-fields"], true);
        assert.deepEqual(v.subresources, { status: {} });
      }
    }
  });

  test("serves v1 (storage), v1alpha3 and v1beta1 for gateways, virtualservices and destinationrules", () => {
    for (const [plural, short] of [
      ["gateways", "gw"],
      ["virtualservices", "vs"],
      ["destinationrules", "dr"],
    ] as const) {
      const crd = byName.get(`${plural}.networking.istio.io`);
      assert.ok(crd);
      assert.deepEqual(
        crd.spec.versions.map((v) => [v.name, v.served, v.storage]),
        [
          ["v1", true, true],
          ["v1alpha3", true, false],
          ["v1beta1", true, false],
        ],
      );
      assert.deepEqual(crd.spec.names.shortNames, [short]);
      assert.deepEqual(crd.spec.names.categories, ["istio-io", "networking-istio-io"]);
    }
  });

  test("declares the printer columns kubectl shows for each kind", () => {
    const columns = (name: string) =>
      byName.get(name)?.spec.versions[0]?.additionalPrinterColumns?.map((c) => [c.name, c.jsonPath]);
    const age = ["Age", ".metadata.creationTimestamp"];
    assert.deepEqual(columns("virtualservices.networking.istio.io"), [
      ["Gateways", ".spec.gateways"],
      ["Hosts", ".spec.hosts"],
      age,
    ]);
    assert.deepEqual(columns("destinationrules.networking.istio.io"), [["Host", ".spec.host"], age]);
    assert.deepEqual(columns("gateways.networking.istio.io"), [age]);
    assert.deepEqual(columns("serviceentries.networking.istio.io"), [
      ["Hosts", ".spec.hosts"],
      ["Location", ".spec.location"],
      ["Resolution", ".spec.resolution"],
      age,
    ]);
    assert.deepEqual(columns("workloadentries.networking.istio.io"), [age, ["Address", ".spec.address"]]);
    assert.deepEqual(columns("authorizationpolicies.security.istio.io"), [["Action", ".spec.action"], age]);
    assert.deepEqual(columns("peerauthentications.security.istio.io"), [["Mode", ".spec.mtls.mode"], age]);
  });

  test("keeps older-only kinds on their own versions", () => {
    const versions = (name: string) => byName.get(name)?.spec.versions.map((v) => v.name);
    assert.deepEqual(versions("envoyfilters.networking.istio.io"), ["v1alpha3"]);
    assert.deepEqual(versions("proxyconfigs.networking.istio.io"), ["v1beta1"]);
    assert.deepEqual(versions("authorizationpolicies.security.istio.io"), ["v1", "v1beta1"]);
    assert.deepEqual(versions("telemetries.telemetry.istio.io"), ["v1", "v1alpha1"]);
    assert.ok(
      byName
        .get("authorizationpolicies.security.istio.io")
        ?.spec.names.categories.includes("security-istio-io"),
    );
  });

  test("marks spec required only where the spec has required fields of its own", () => {
    const required = (name: string) =>
      (byName.get(name)?.spec.versions[0]?.schema.openAPIV3Schema as { required?: string[] } | undefined)
        ?.required;
    assert.deepEqual(required("destinationrules.networking.istio.io"), ["spec"]);
    assert.deepEqual(required("wasmplugins.extensions.istio.io"), ["spec"]);
    assert.equal(required("virtualservices.networking.istio.io"), undefined);
  });

  test("returns fresh objects each call", () => {
    const categoriesOf = (crd: KubeObject | undefined) =>
      (crd?.spec as { names: { categories: string[] } } | undefined)?.names.categories ?? [];
    const [a] = istioCrds();
    const [b] = istioCrds();
    categoriesOf(a).push("mutated");
    assert.ok(categoriesOf(a).includes("mutated"));
    assert.ok(!categoriesOf(b).includes("mutated"));
  });
});

describe("bookinfoImage", () => {
  const cases: [string, ReturnType<typeof bookinfoImage>][] = [
    ["registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3", { app: "reviews", version: "v2" }],
    ["docker.io/istio/examples-bookinfo-reviews-v2:1.16.2", { app: "reviews", version: "v2" }],
    ["istio/examples-bookinfo-details-v1", { app: "details", version: "v1" }],
    ["examples-bookinfo-ratings-v1:1.20.3", { app: "ratings", version: "v1" }],
    ["gcr.io/istio-release/examples-bookinfo-productpage-v1:1.8.0", { app: "productpage", version: "v1" }],
    [
      "docker.io/istio/examples-bookinfo-reviews-v3@sha256:0c3a4f5b9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a",
      { app: "reviews", version: "v3" },
    ],
    [
      "localhost:5000/istio/examples-bookinfo-reviews-v1:1.20.3@sha256:abc",
      { app: "reviews", version: "v1" },
    ],
    ["localhost:5000/examples-bookinfo-details-v2", { app: "details", version: "v2" }],
    [
      "docker.io/istio/examples-bookinfo-ratings-v2-mysql-vm:1.20.3",
      { app: "ratings", version: "v2-mysql-vm" },
    ],
    ["docker.io/istio/examples-bookinfo-ratings-v-faulty:1.20.3", { app: "ratings", version: "v-faulty" }],
    ["docker.io/istio/proxyv2:1.27.1", undefined],
    ["docker.io/istio/pilot:1.27.1", undefined],
    ["docker.io/istio/examples-bookinfo-mongodb:1.20.3", undefined],
    ["docker.io/istio/examples-bookinfo-mysqldb:1.20.3", undefined],
    ["docker.io/istio/examples-bookinfo-reviews:1.20.3", undefined],
    ["docker.io/istio/examples-bookinfo-reviews-v:1.20.3", undefined],
    ["examples-bookinfo-reviews-v2/something-else:1", undefined],
    ["myorg/my-examples-bookinfo-reviews-v2:1", undefined],
    ["nginx:1.27", undefined],
    ["", undefined],
  ];
  for (const [image, expected] of cases) {
    test(`${image || "(empty)"} -> ${expected ? `${expected.app} ${expected.version}` : "not Bookinfo"}`, () => {
      assert.deepEqual(bookinfoImage(image), expected);
    });
  }
});
