import { applyDefaults } from "../../../src/api/defaults.ts";
import { ObjectService } from "../../../src/api/objects.ts";
import { findResourceByKind, type ResourceType } from "../../../src/api/resources.ts";
import { validate } from "../../../src/api/validation.ts";
import { type Controllers, startControllers } from "../../../src/controllers/index.ts";
import { sidecarInjection } from "../../../src/controllers/injection.ts";
import { istioSeedObjects } from "../../../src/istio/seed.ts";
import type { KubeObject, Pod } from "../../../src/kube.ts";
import { Store } from "../../../src/store/store.ts";
import { podCells } from "../../../src/tables/pods.ts";

export const NODE = "sandbox-node";
export const ISTIO_VERSION = "1.28.1";

export interface TestCluster {
  store: Store;
  objects: ObjectService;
  controllers: Controllers;
  create(object: KubeObject): KubeObject;
  /** Read-modify-write through the API, like `kubectl edit`. */
  edit(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    change: (o: KubeObject) => void,
  ): KubeObject;
  remove(
    apiVersion: string,
    kind: string,
    namespace: string | undefined,
    name: string,
    policy?: "Background" | "Foreground" | "Orphan",
  ): void;
  pods(namespace: string): Pod[];
  /** Resolves once `predicate` holds, checked now and after every store change; rejects after `ms`. */
  waitFor<T>(what: string, predicate: () => T | undefined | false, ms?: number): Promise<T>;
  stop(): void;
}

export const resource = (apiVersion: string, kind: string): ResourceType => {
  const r = findResourceByKind(apiVersion, kind);
  if (!r) throw new Error(`no resource for ${apiVersion} ${kind}`);
  return r;
};

/** A store with Istio's seed (optionally without the injector webhook) and running controllers. */
export function startCluster(options: { webhook?: boolean; speed?: number } = {}): TestCluster {
  const store = new Store();
  const objects = new ObjectService(
    store,
    [applyDefaults, sidecarInjection, validate],
    (_before, after) => after,
  );
  const create = (o: KubeObject) =>
    objects.create(resource(o.apiVersion ?? "", o.kind ?? ""), o.metadata.namespace, o, { manager: "test" });
  const seed = istioSeedObjects({
    istioVersion: ISTIO_VERSION,
    httpNodePort: 31080,
    httpsNodePort: 31443,
    statusNodePort: 31021,
    nodeName: NODE,
  });
  for (const o of seed) {
    if (options.webhook === false && o.kind === "MutatingWebhookConfiguration") continue;
    create(o);
  }
  const controllers = startControllers({ objects, nodeName: NODE, speed: options.speed ?? 200 });
  const cluster: TestCluster = {
    store,
    objects,
    controllers,
    create,
    edit(apiVersion, kind, namespace, name, change) {
      const r = resource(apiVersion, kind);
      const current = objects.get(r, namespace, name);
      change(current);
      return objects.update(r, namespace, name, current, { manager: "test" });
    },
    remove(apiVersion, kind, namespace, name, policy = "Background") {
      objects.delete(resource(apiVersion, kind), namespace, name, { propagationPolicy: policy });
    },
    pods: (namespace) => store.list("pods", namespace) as Pod[],
    waitFor(what, predicate, ms = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const value = predicate();
          if (value === undefined || value === false) return false;
          finish();
          resolve(value);
          return true;
        };
        const unsubscribe = store.subscribe(() => {
          check();
        });
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`timed out waiting for ${what}`));
        }, ms);
        const finish = () => {
          clearTimeout(timer);
          unsubscribe();
        };
        check();
      });
    },
    stop: () => controllers.stop(),
  };
  return cluster;
}

/** READY and STATUS exactly as `kubectl get pods` prints them. */
export const row = (pod: Pod) => {
  const [, ready, status] = podCells(pod, Date.now());
  return `${ready} ${status}`;
};

export const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});

export function deployment(
  namespace: string,
  name: string,
  options: { image?: string; replicas?: number; labels?: Record<string, string>; app?: string } = {},
): KubeObject {
  const app = options.app ?? name.replace(/-v\d+$/, "");
  const labels = { app, version: "v1", ...options.labels };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { app, version: "v1" } },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app, version: "v1" } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: app,
              image: options.image ?? `registry.istio.io/release/examples-bookinfo-${app}-v1:1.20.3`,
              ports: [{ containerPort: 9080 }],
            },
          ],
        },
      },
    },
  };
}

export const service = (namespace: string, name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace, labels: { app: name, service: name } },
  spec: { selector: { app: name }, ports: [{ name: "http", port: 9080 }] },
});

export const isReady = (pod: Pod | undefined) =>
  pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

/** Records each distinct READY/STATUS a pod shows, in order, as a watcher would see them. */
export function recordRows(
  store: Store,
  namespace: string,
): { rows: Map<string, string[]>; log: [pod: string, row: string][]; stop: () => void } {
  const rows = new Map<string, string[]>();
  const log: [string, string][] = [];
  const stop = store.subscribe((event) => {
    if (event.resource !== "pods" || event.object.metadata.namespace !== namespace) return;
    const name = event.object.metadata.name ?? "";
    const seen = rows.get(name) ?? [];
    const text = event.type === "DELETED" ? "<deleted>" : row(event.object as Pod);
    if (seen.at(-1) !== text) {
      seen.push(text);
      log.push([name, text]);
    }
    rows.set(name, seen);
  });
  return { rows, log, stop };
}
