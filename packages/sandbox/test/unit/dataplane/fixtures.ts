import type { Clock } from "../../../src/dataplane/clock.ts";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import { Store } from "../../../src/store/store.ts";

// A bare store holding what the data plane reads after the Bookinfo tutorial's steps, built
// by hand so the data plane can be tested without controllers or an API server.

const IMAGE = (app: string, version: string) =>
  `registry.istio.io/release/examples-bookinfo-${app}-${version}:1.20.3`;

export interface PodOptions {
  sidecar?: boolean;
  ready?: boolean;
  image?: string;
  labels?: Record<string, string>;
}

export function pod(namespace: string, name: string, app: string, version: string, o: PodOptions = {}): Pod {
  const ready = o.ready ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app, version, ...o.labels } },
    spec: {
      containers: [
        { name: app, image: o.image ?? IMAGE(app, version) },
        ...(o.sidecar ? [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.1" }] : []),
      ],
    },
    status: {
      phase: "Running",
      podIP: "10.244.0.10",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    },
  };
}

export function service(
  namespace: string,
  name: string,
  selector: Record<string, string>,
  port = 9080,
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace, labels: { app: name, service: name } },
    spec: { selector, ports: [{ name: "http", port, targetPort: port, protocol: "TCP" }] },
  };
}

export const POD_NAMES = {
  productpage: "productpage-v1-7d6cfb7dfd-x4kq2",
  details: "details-v1-65cfcf56f9-4pldr",
  ratings: "ratings-v1-7c4bbf97db-rv6sv",
  "reviews-v1": "reviews-v1-5b5d6494f4-hn9dk",
  "reviews-v2": "reviews-v2-5b667bcbf8-7bdwh",
  "reviews-v3": "reviews-v3-5b9bd44f4-kqd58",
};

/** Bookinfo's 4 Services and 6 pods in `namespace`, ready, with or without sidecars. */
export function addBookinfo(store: Store, namespace: string, sidecar = true): void {
  for (const app of ["productpage", "details", "ratings", "reviews"]) {
    store.create("services", service(namespace, app, { app }));
  }
  const p = (app: string, version: string, name: string) =>
    store.create("pods", pod(namespace, name, app, version, { sidecar }));
  p("productpage", "v1", POD_NAMES.productpage);
  p("details", "v1", POD_NAMES.details);
  p("ratings", "v1", POD_NAMES.ratings);
  p("reviews", "v1", POD_NAMES["reviews-v1"]);
  p("reviews", "v2", POD_NAMES["reviews-v2"]);
  p("reviews", "v3", POD_NAMES["reviews-v3"]);
}

/** istio-system's ingress gateway: Service with the node port, and one ready gateway pod. */
export function addIngressGateway(store: Store, httpNodePort: number): void {
  const labels = { app: "istio-ingressgateway", istio: "ingressgateway" };
  store.create("services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istio-ingressgateway", namespace: "istio-system", labels },
    spec: {
      type: "NodePort",
      selector: labels,
      ports: [
        { name: "status-port", port: 15021, targetPort: 15021, nodePort: httpNodePort + 1 },
        { name: "http2", port: 80, targetPort: 8080, nodePort: httpNodePort },
      ],
    },
  });
  store.create("pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "istio-ingressgateway-6c7f9d8b5-q2w8z", namespace: "istio-system", labels },
    spec: { containers: [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.1" }] },
    status: { phase: "Running", podIP: "10.244.0.5", conditions: [{ type: "Ready", status: "True" }] },
  });
}

export function gateway(
  namespace: string,
  port = 8080,
  selector: Record<string, string> = { istio: "ingressgateway" },
) {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "Gateway",
    metadata: { name: "bookinfo-gateway", namespace },
    spec: { selector, servers: [{ port: { number: port, name: "http", protocol: "HTTP" }, hosts: ["*"] }] },
  };
}

/** The tutorial's `bookinfo` VirtualService bound to bookinfo-gateway. */
export function gatewayVirtualService(namespace: string): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: "bookinfo", namespace },
    spec: {
      hosts: ["*"],
      gateways: ["bookinfo-gateway"],
      http: [
        {
          match: [
            { uri: { exact: "/productpage" } },
            { uri: { prefix: "/static" } },
            { uri: { exact: "/login" } },
            { uri: { exact: "/logout" } },
            { uri: { prefix: "/api/v1/products" } },
          ],
          route: [{ destination: { host: "productpage", port: { number: 9080 } } }],
        },
      ],
    },
  };
}

export function virtualService(
  namespace: string,
  name: string,
  http: unknown[],
  extra: Record<string, unknown> = {},
) {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name, namespace },
    spec: { hosts: [name], http, ...extra },
  };
}

export function destinationRule(namespace: string, host: string, versions: string[]): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: host, namespace },
    spec: { host, subsets: versions.map((v) => ({ name: v, labels: { version: v } })) },
  };
}

export const toSubset = (host: string, subset: string, weight?: number) => ({
  destination: { host, subset },
  ...(weight === undefined ? {} : { weight }),
});

export function allV1(store: Store, namespace: string): void {
  for (const app of ["productpage", "reviews", "ratings", "details"]) {
    store.create(
      "virtualservices.networking.istio.io",
      virtualService(namespace, app, [{ route: [toSubset(app, "v1")] }]),
    );
  }
}

export function allDestinationRules(store: Store, namespace: string): void {
  store.create("destinationrules.networking.istio.io", destinationRule(namespace, "productpage", ["v1"]));
  store.create(
    "destinationrules.networking.istio.io",
    destinationRule(namespace, "reviews", ["v1", "v2", "v3"]),
  );
  store.create("destinationrules.networking.istio.io", destinationRule(namespace, "ratings", ["v1", "v2"]));
  store.create("destinationrules.networking.istio.io", destinationRule(namespace, "details", ["v1", "v2"]));
}

/** A seeded generator so a test's "random" choices are the same on every run. */
export function seededRandom(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that moves only when told to, running due timers in order. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: { at: number; seq: number; callback: () => void }[] = [];
  #seq = 0;

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, callback };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, letting promise chains settle between timers. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = next.at;
      next.callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function newStore(): Store {
  return new Store();
}
