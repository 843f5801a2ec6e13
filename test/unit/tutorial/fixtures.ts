// Cluster objects as the API server returns them, for the stage checks and view models. Istio
// objects come in two shapes: our manifests (read from manifests/) and Istio's own sample files
// in their current v1 and older v1alpha3 forms, which the checks must accept alike.

import { readFileSync } from "node:fs";
import { loadAll } from "js-yaml";
import type { KubeObject, Pod } from "../../../source/model/kube.ts";
import { emptySnapshot, type Sample, type Snapshot } from "../../../source/model/snapshot.ts";
import { type Fix, fixAsCommands } from "../../../source/tutorial/fix.ts";
import type { InjectMethod, StageContext } from "../../../source/tutorial/stage.ts";

export const NS = "bookinfo";
export const NOW = Date.parse("2025-06-01T12:00:00Z");
const ago = (seconds: number) => new Date(NOW - seconds * 1000).toISOString().replace(".000Z", "Z");

export const DEPLOYMENTS = [
  "details-v1",
  "ratings-v1",
  "reviews-v1",
  "reviews-v2",
  "reviews-v3",
  "productpage-v1",
];

export function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return {
    ...emptySnapshot("kind-kind", NS, "https://127.0.0.1:6443"),
    istio: { installed: true, version: "1.30.3", networkingVersion: "v1" },
    now: NOW,
    ...overrides,
  };
}

export function namespace(labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: NS, uid: "ns-uid", labels } };
}

export function deployment(name: string, options: { replicas?: number; rolling?: boolean } = {}): KubeObject {
  const [app, version] = split(name);
  const replicas = options.replicas ?? 1;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: NS,
      uid: `uid-${name}`,
      generation: options.rolling ? 2 : 1,
      labels: { app, version },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app, version } },
      template: { metadata: { labels: { app, version } } },
    },
    status: options.rolling
      ? {
          observedGeneration: 1,
          replicas,
          updatedReplicas: 0,
          readyReplicas: replicas,
          availableReplicas: replicas,
        }
      : {
          observedGeneration: 1,
          replicas,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
        },
  };
}

export type PodState =
  | "ready"
  | "creating"
  | "crashloop"
  | "imagepull"
  | "errimagepull"
  | "error"
  | "init"
  | "running-not-ready";

export interface PodOptions {
  sidecar?: boolean;
  state?: PodState;
  suffix?: string;
  deleting?: boolean;
  labels?: Record<string, string>;
  namespace?: string;
}

/** A pod of the named Bookinfo deployment ("reviews-v2"), in the given state. */
export function pod(deploymentName: string, options: PodOptions = {}): Pod {
  const [app, version] = split(deploymentName);
  const sidecar = options.sidecar ?? true;
  const state = options.state ?? "ready";
  const name = `${deploymentName}-7d9f8c6b5-${options.suffix ?? "x2k9q"}`;
  const containers = [{ name: app }, ...(sidecar ? [{ name: "istio-proxy" }] : [])];
  const running = { running: { startedAt: ago(100) } };
  const appState = {
    ready: running,
    "running-not-ready": running,
    creating: { waiting: { reason: "ContainerCreating" } },
    crashloop: {
      waiting: { reason: "CrashLoopBackOff", message: "back-off 40s restarting failed container" },
    },
    imagepull: { waiting: { reason: "ImagePullBackOff" } },
    errimagepull: { waiting: { reason: "ErrImagePull" } },
    error: { terminated: { exitCode: 1, reason: "Error" } },
    init: { waiting: { reason: "PodInitializing" } },
  }[state];
  const ready = state === "ready";
  const phase = state === "creating" || state === "init" || state === "imagepull" || state === "errimagepull";
  const statuses = containers.map((c) =>
    c.name === app
      ? { name: c.name, ready, restartCount: state === "crashloop" ? 3 : 0, state: appState }
      : { name: c.name, ready: state !== "creating" && state !== "init", restartCount: 0, state: running },
  );
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: options.namespace ?? NS,
      uid: `uid-${name}`,
      creationTimestamp: ago(300),
      labels: { app, version, "pod-template-hash": "7d9f8c6b5", ...options.labels },
      ...(options.deleting ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: {
      nodeName: "kind-control-plane",
      containers,
      ...(sidecar ? { initContainers: [{ name: "istio-init" }] } : {}),
    },
    status: {
      phase: phase ? "Pending" : "Running",
      podIP: "10.244.0.12",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
      ...(sidecar
        ? {
            initContainerStatuses: [
              state === "init"
                ? { name: "istio-init", ready: false, restartCount: 0, state: running }
                : {
                    name: "istio-init",
                    ready: true,
                    restartCount: 0,
                    state: { terminated: { exitCode: 0, reason: "Completed" } },
                  },
            ],
          }
        : {}),
      containerStatuses: statuses,
    },
  };
}

/** Bookinfo fully deployed: the six deployments, each with one Ready pod. */
export function bookinfo(options: { sidecar?: boolean } = {}): Pick<Snapshot, "deployments" | "pods"> {
  return {
    deployments: DEPLOYMENTS.map((d) => deployment(d)),
    pods: DEPLOYMENTS.map((d) => pod(d, { sidecar: options.sidecar ?? true })),
  };
}

/** The classic ingress gateway pod in istio-system. */
export function ingressPod(
  labels: Record<string, string> = { app: "istio-ingressgateway", istio: "ingressgateway" },
): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "istio-ingressgateway-5c9d7f6b8-abcde",
      namespace: "istio-system",
      uid: "uid-igw",
      labels,
    },
    spec: { containers: [{ name: "istio-proxy" }] },
    status: {
      phase: "Running",
      hostIP: "172.18.0.2",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [{ name: "istio-proxy", ready: true, restartCount: 0, state: { running: {} } }],
    },
  };
}

/** The istio-ingressgateway Service as Istio 1.6 and later installs it. */
export function ingressService(type = "NodePort"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istio-ingressgateway", namespace: "istio-system", uid: "uid-igw-svc" },
    spec: {
      type,
      selector: { app: "istio-ingressgateway", istio: "ingressgateway" },
      ports: [
        { name: "status-port", port: 15021, targetPort: 15021, nodePort: 31021 },
        { name: "http2", port: 80, targetPort: 8080, nodePort: 31380 },
        { name: "https", port: 443, targetPort: 8443, nodePort: 31390 },
      ],
    },
  };
}

// --- Istio objects ------------------------------------------------------------------------

/** Our manifest, as the API server returns it after apply (namespace and uid filled in). */
export function manifest(file: string): KubeObject[] {
  const text = readFileSync(new URL(`../../../manifests/${file}`, import.meta.url), "utf8");
  return (loadAll(text) as KubeObject[]).filter(Boolean).map(served);
}

export type IstioVersion = "networking.istio.io/v1" | "networking.istio.io/v1alpha3";

/** samples/bookinfo/networking/bookinfo-gateway.yaml; v1alpha3 up to 1.23, port 80 up to 1.18. */
export function istioGatewayFile(apiVersion: IstioVersion, port = 8080): KubeObject[] {
  return [
    served({
      apiVersion,
      kind: "Gateway",
      metadata: { name: "bookinfo-gateway" },
      spec: {
        selector: { istio: "ingressgateway" },
        servers: [{ port: { number: port, name: "http", protocol: "HTTP" }, hosts: ["*"] }],
      },
    }),
    served({
      apiVersion,
      kind: "VirtualService",
      metadata: { name: "bookinfo" },
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
    }),
  ];
}

/** samples/bookinfo/networking/destination-rule-all.yaml. */
export function istioDestinationRules(apiVersion: IstioVersion): KubeObject[] {
  const rule = (host: string, subsets: string[]) =>
    served({
      apiVersion,
      kind: "DestinationRule",
      metadata: { name: host },
      spec: { host, subsets: subsets.map((name) => ({ name, labels: { version: name } })) },
    });
  return [
    rule("productpage", ["v1"]),
    rule("reviews", ["v1", "v2", "v3"]),
    rule("ratings", ["v1", "v2", "v2-mysql", "v2-mysql-vm"]),
    rule("details", ["v1", "v2"]),
  ];
}

/** samples/bookinfo/networking/virtual-service-all-v1.yaml. */
export function istioVirtualServicesV1(apiVersion: IstioVersion): KubeObject[] {
  return ["productpage", "reviews", "ratings", "details"].map((host) =>
    served({
      apiVersion,
      kind: "VirtualService",
      metadata: { name: host },
      spec: { hosts: [host], http: [{ route: [{ destination: { host, subset: "v1" } }] }] },
    }),
  );
}

/** A reviews VirtualService with the given http rules (Istio's virtual-service-reviews-*.yaml). */
export function reviewsVirtualService(
  http: unknown[],
  apiVersion: IstioVersion = "networking.istio.io/v1",
): KubeObject {
  return served({
    apiVersion,
    kind: "VirtualService",
    metadata: { name: "reviews" },
    spec: { hosts: ["reviews"], http },
  });
}

export function served(object: KubeObject): KubeObject {
  const name = object.metadata.name ?? "";
  return {
    ...object,
    metadata: { ...object.metadata, namespace: NS, uid: `uid-${object.kind}-${name}`, generation: 1 },
  };
}

// --- samples ------------------------------------------------------------------------------

export function ok(version: "v1" | "v2" | "v3" | undefined, latencyMs = 20): Sample {
  return { at: NOW, code: 200, latencyMs, ...(version ? { version } : {}) };
}

export function failed(
  code: number | "refused" | "timeout" | "reset" | "dns" | "truncated" | "not-productpage",
  latencyMs = 5,
): Sample {
  return typeof code === "number" ? { at: NOW, code, latencyMs } : { at: NOW, error: code, latencyMs };
}

export const nodePortGateway = { url: "http://172.18.0.2:31380", source: "NodePort" as const };

function split(deploymentName: string): [string, string] {
  const i = deploymentName.lastIndexOf("-");
  return [deploymentName.slice(0, i), deploymentName.slice(i + 1)];
}

// --- actions ------------------------------------------------------------------------------

/** A StageContext whose actions only record what a stage asked for, in order. */
export function recordingContext(
  snap: Snapshot,
  inject?: InjectMethod,
): { calls: unknown[][]; context: StageContext } {
  const calls: unknown[][] = [];
  const record = (...call: unknown[]) => {
    calls.push(call);
  };
  const context: StageContext = {
    snapshot: () => snap,
    ...(inject ? { inject } : {}),
    actions: {
      async applyManifest(file) {
        record("applyManifest", file);
        return [];
      },
      async labelNamespace(labels) {
        record("labelNamespace", labels);
        return [];
      },
      async restartDeployments(names) {
        record("restartDeployments", names);
        return [];
      },
      async applyWithIstioctl(file) {
        record("applyWithIstioctl", file);
        return [];
      },
    },
  };
  return { calls, context };
}

/** A check's fix as `run` and `status` print it ("" for none). */
export const fixText = (value: Fix | undefined): string => (value ? fixAsCommands(value) : "");

// --- Istio's traffic-management files, as a user applies them ---------------------------

/** One of test/fixtures/istio-samples/ (our copies of Istio's virtual-service-*.yaml), as served. */
export function istioSample(file: string): KubeObject[] {
  const text = readFileSync(new URL(`../../fixtures/istio-samples/${file}`, import.meta.url), "utf8");
  return (loadAll(text) as KubeObject[]).filter(Boolean).map(served);
}

/** VirtualServices with these replacing the ones of the same name (kubectl apply over all-v1). */
export function withVirtualServices(base: KubeObject[], ...replacements: KubeObject[][]): KubeObject[] {
  const next = [...base];
  for (const object of replacements.flat()) {
    const at = next.findIndex((o) => o.metadata.name === object.metadata.name);
    if (at >= 0) next[at] = object;
    else next.push(object);
  }
  return next;
}

/** A page of a stream, the way the sampler records it. */
export function page(
  stream: string,
  at: number,
  options: {
    version?: "v1" | "v2" | "v3";
    latencyMs?: number;
    pageErrors?: ("details" | "reviews" | "ratings")[];
  } = {},
): Sample {
  return {
    at,
    code: 200,
    latencyMs: options.latencyMs ?? 20,
    stream,
    ...(options.version ? { version: options.version } : {}),
    ...(options.pageErrors ? { pageErrors: options.pageErrors } : {}),
    ...(stream === "anonymous" ? {} : { signedIn: true }),
  };
}
