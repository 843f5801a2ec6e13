import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { loadAll } from "js-yaml";
import type { KubeObject } from "../../source/model/kube.ts";

// The tour applies these files as they are, so what they contain is the contract with the
// tutorial: names and labels other stages look for, and the order kubectl reports.

interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: { containerPort: number; name?: string }[];
  env?: { name: string; value: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext?: unknown;
}
interface Deployment extends KubeObject {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        serviceAccountName: string;
        containers: Container[];
        volumes?: { name: string; emptyDir?: Record<string, never> }[];
      };
    };
  };
}
interface Service extends KubeObject {
  spec: { type?: string; selector: Record<string, string>; ports: Record<string, unknown>[] };
}
interface Subset {
  name: string;
  labels: Record<string, string>;
}
interface DestinationRule extends KubeObject {
  spec: { host: string; subsets: Subset[] };
}
interface HttpRoute {
  match?: { uri: Record<string, string> }[];
  route: { destination: { host: string; subset?: string; port?: { number: number } }; weight?: number }[];
}
interface VirtualService extends KubeObject {
  spec: { hosts: string[]; gateways?: string[]; http: HttpRoute[] };
}
interface Gateway extends KubeObject {
  spec: {
    selector: Record<string, string>;
    servers: { port: { number: number; name: string; protocol: string }; hosts: string[] }[];
  };
}

function manifest(file: string): KubeObject[] {
  const text = readFileSync(new URL(`../../manifests/${file}`, import.meta.url), "utf8");
  const docs = loadAll(text).filter((d) => d !== null && d !== undefined);
  for (const d of docs) {
    assert.equal(typeof d, "object", `${file}: every document is an object`);
    assert.ok((d as KubeObject).metadata?.name, `${file}: every object has a name`);
  }
  return docs as KubeObject[];
}

const ids = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);
const ofKind = <T extends KubeObject>(objects: KubeObject[], kind: string) =>
  objects.filter((o) => o.kind === kind) as T[];
const named = <T extends KubeObject>(objects: T[], name: string): T => {
  const found = objects.find((o) => o.metadata.name === name);
  assert.ok(found, `${name} is present`);
  return found;
};

const APPS = ["details", "ratings", "reviews", "productpage"] as const;
const DEPLOYMENTS: Record<string, string[]> = {
  details: ["v1"],
  ratings: ["v1"],
  reviews: ["v1", "v2", "v3"],
  productpage: ["v1"],
};

describe("bookinfo.yaml", () => {
  const objects = manifest("bookinfo.yaml");
  const services = ofKind<Service>(objects, "Service");
  const accounts = ofKind<KubeObject>(objects, "ServiceAccount");
  const deployments = ofKind<Deployment>(objects, "Deployment");

  test("holds 4 Services, 4 ServiceAccounts and 6 Deployments in kubectl's apply order", () => {
    assert.equal(objects.length, 14);
    assert.equal(services.length, 4);
    assert.equal(accounts.length, 4);
    assert.equal(deployments.length, 6);
    assert.deepEqual(ids(objects), [
      "Service/details",
      "ServiceAccount/bookinfo-details",
      "Deployment/details-v1",
      "Service/ratings",
      "ServiceAccount/bookinfo-ratings",
      "Deployment/ratings-v1",
      "Service/reviews",
      "ServiceAccount/bookinfo-reviews",
      "Deployment/reviews-v1",
      "Deployment/reviews-v2",
      "Deployment/reviews-v3",
      "Service/productpage",
      "ServiceAccount/bookinfo-productpage",
      "Deployment/productpage-v1",
    ]);
  });

  test("uses the API versions a current cluster serves and sets no namespace", () => {
    const expected: Record<string, string> = { Service: "v1", ServiceAccount: "v1", Deployment: "apps/v1" };
    for (const o of objects) {
      assert.equal(o.apiVersion, expected[o.kind ?? ""], `${o.kind}/${o.metadata.name}`);
      assert.equal(o.metadata.namespace, undefined, `${o.metadata.name} lands in the tour's namespace`);
    }
  });

  test("Services select every version of their app on port 9080 named http", () => {
    for (const app of APPS) {
      const svc = named(services, app);
      assert.deepEqual(svc.metadata.labels, { app, service: app });
      assert.deepEqual(svc.spec.selector, { app }, "no version in the selector, so all versions share it");
      assert.deepEqual(svc.spec.ports, [{ name: "http", port: 9080 }]);
      assert.equal(svc.spec.type, undefined, "ClusterIP by default");
    }
  });

  test("ServiceAccounts are bookinfo-<app> labelled with account", () => {
    for (const app of APPS) {
      assert.deepEqual(named(accounts, `bookinfo-${app}`).metadata.labels, { account: app });
    }
  });

  test("each Deployment runs one labelled version with its image, account and port", () => {
    for (const [app, versions] of Object.entries(DEPLOYMENTS)) {
      for (const version of versions) {
        const d = named(deployments, `${app}-${version}`);
        const labels = { app, version };
        assert.deepEqual(d.metadata.labels, labels);
        assert.equal(d.spec.replicas, 1);
        assert.deepEqual(d.spec.selector.matchLabels, labels);
        assert.deepEqual(d.spec.template.metadata.labels, labels);
        const pod = d.spec.template.spec;
        assert.equal(pod.serviceAccountName, `bookinfo-${app}`);
        assert.equal(pod.containers.length, 1);
        const [c] = pod.containers;
        assert.ok(c);
        assert.equal(c.name, app);
        assert.equal(c.image, `registry.istio.io/release/examples-bookinfo-${app}-${version}:1.20.3`);
        assert.equal(c.imagePullPolicy, "IfNotPresent");
        assert.deepEqual(c.ports, [{ containerPort: 9080 }]);
        assert.equal(c.securityContext, undefined);
      }
    }
  });

  test("every pod is selected by its app's Service and runs under an account the file creates", () => {
    for (const d of deployments) {
      const podLabels = d.spec.template.metadata.labels;
      const svc = services.find((s) => Object.entries(s.spec.selector).every(([k, v]) => podLabels[k] === v));
      assert.equal(svc?.metadata.name, podLabels.app);
      assert.ok(accounts.some((a) => a.metadata.name === d.spec.template.spec.serviceAccountName));
    }
  });

  test("reviews get LOG_DIR and writable tmp and wlp-output volumes", () => {
    for (const version of ["v1", "v2", "v3"]) {
      const pod = named(deployments, `reviews-${version}`).spec.template.spec;
      const [c] = pod.containers;
      assert.deepEqual(c?.env, [{ name: "LOG_DIR", value: "/tmp/logs" }]);
      assert.deepEqual(
        [...(c?.volumeMounts ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: "tmp", mountPath: "/tmp" },
          { name: "wlp-output", mountPath: "/opt/ibm/wlp/output" },
        ],
      );
      assert.deepEqual(
        [...(pod.volumes ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
        [
          { name: "tmp", emptyDir: {} },
          { name: "wlp-output", emptyDir: {} },
        ],
      );
    }
  });

  test("productpage has string Prometheus annotations and a tmp volume; the others have neither", () => {
    const pp = named(deployments, "productpage-v1").spec.template;
    assert.deepEqual(pp.metadata.annotations, {
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9080",
      "prometheus.io/path": "/metrics",
    });
    assert.deepEqual(pp.spec.containers[0]?.volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
    assert.deepEqual(pp.spec.volumes, [{ name: "tmp", emptyDir: {} }]);
    for (const name of ["details-v1", "ratings-v1"]) {
      const t = named(deployments, name).spec.template;
      assert.equal(t.metadata.annotations, undefined);
      assert.equal(t.spec.volumes, undefined);
      assert.equal(t.spec.containers[0]?.env, undefined);
    }
  });
});

describe("bookinfo-gateway.yaml", () => {
  const objects = manifest("bookinfo-gateway.yaml");

  test("holds the Gateway then the VirtualService, in networking.istio.io/v1", () => {
    assert.deepEqual(ids(objects), ["Gateway/bookinfo-gateway", "VirtualService/bookinfo"]);
    for (const o of objects) {
      assert.equal(o.apiVersion, "networking.istio.io/v1");
      assert.equal(o.metadata.namespace, undefined);
    }
  });

  test("the Gateway binds the classic ingress gateway on 8080 for any host", () => {
    const gw = objects[0] as Gateway;
    assert.deepEqual(gw.spec.selector, { istio: "ingressgateway" });
    assert.deepEqual(gw.spec.servers, [
      { port: { number: 8080, name: "http", protocol: "HTTP" }, hosts: ["*"] },
    ]);
  });

  test("the VirtualService sends exactly the product page's paths to productpage:9080", () => {
    const vs = objects[1] as VirtualService;
    assert.deepEqual(vs.spec.hosts, ["*"]);
    assert.deepEqual(vs.spec.gateways, ["bookinfo-gateway"]);
    assert.equal(vs.spec.http.length, 1);
    const [rule] = vs.spec.http;
    assert.deepEqual(rule?.match, [
      { uri: { exact: "/productpage" } },
      { uri: { prefix: "/static" } },
      { uri: { exact: "/login" } },
      { uri: { exact: "/logout" } },
      { uri: { prefix: "/api/v1/products" } },
    ]);
    assert.deepEqual(rule?.route, [{ destination: { host: "productpage", port: { number: 9080 } } }]);
  });
});

describe("destination-rule-all.yaml", () => {
  const rules = manifest("destination-rule-all.yaml") as DestinationRule[];

  test("holds 4 DestinationRules named after their hosts", () => {
    assert.deepEqual(ids(rules), [
      "DestinationRule/productpage",
      "DestinationRule/reviews",
      "DestinationRule/ratings",
      "DestinationRule/details",
    ]);
    for (const r of rules) {
      assert.equal(r.apiVersion, "networking.istio.io/v1");
      assert.equal(r.spec.host, r.metadata.name);
    }
  });

  test("each subset selects pods by the version label of the same name", () => {
    const subsets = Object.fromEntries(rules.map((r) => [r.metadata.name, r.spec.subsets]));
    const expected: Record<string, string[]> = {
      productpage: ["v1"],
      reviews: ["v1", "v2", "v3"],
      ratings: ["v1", "v2", "v2-mysql", "v2-mysql-vm"],
      details: ["v1", "v2"],
    };
    for (const [host, names] of Object.entries(expected)) {
      assert.deepEqual(
        subsets[host],
        names.map((name) => ({ name, labels: { version: name } })),
        host,
      );
    }
  });
});

describe("virtual-service-all-v1.yaml", () => {
  const routes = manifest("virtual-service-all-v1.yaml") as VirtualService[];

  test("holds 4 VirtualServices, one per service, in apply order", () => {
    assert.deepEqual(ids(routes), [
      "VirtualService/productpage",
      "VirtualService/reviews",
      "VirtualService/ratings",
      "VirtualService/details",
    ]);
  });

  test("each sends all mesh traffic for its host to subset v1", () => {
    for (const vs of routes) {
      const host = vs.metadata.name;
      assert.equal(vs.apiVersion, "networking.istio.io/v1");
      assert.deepEqual(vs.spec.hosts, [host]);
      assert.equal(vs.spec.gateways, undefined, "no gateways field means the mesh");
      assert.deepEqual(vs.spec.http, [{ route: [{ destination: { host, subset: "v1" } }] }]);
    }
  });

  test("every subset it routes to is defined by destination-rule-all.yaml and matches a Deployment", () => {
    const rules = manifest("destination-rule-all.yaml") as DestinationRule[];
    const deployments = ofKind<Deployment>(manifest("bookinfo.yaml"), "Deployment");
    for (const vs of routes) {
      for (const { destination } of vs.spec.http.flatMap((h) => h.route)) {
        const subset = rules
          .find((r) => r.spec.host === destination.host)
          ?.spec.subsets.find((s) => s.name === destination.subset);
        assert.ok(subset, `${destination.host}/${destination.subset} is defined`);
        const backing = deployments.filter(
          (d) =>
            d.spec.template.metadata.labels.app === destination.host &&
            Object.entries(subset.labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
        );
        assert.equal(backing.length, 1, `${destination.host}/${destination.subset} has pods`);
      }
    }
  });
});
