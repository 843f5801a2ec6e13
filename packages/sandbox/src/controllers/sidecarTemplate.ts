import type { Container, Pod } from "../kube.ts";

// What Istio's injection template (classic sidecar mode, no CNI) adds to a pod, field by field
// as `kubectl get pod -o yaml` shows it on a real mesh. Native sidecars stay off: the sandbox
// node's kubelet is 1.32 and Istio enables them automatically only from kubelet 1.33.

const PROXY_UID = 1337;
const VOLUMES = [
  "workload-socket",
  "credential-socket",
  "workload-certs",
  "istio-envoy",
  "istio-data",
  "istio-podinfo",
  "istio-token",
  "istiod-ca-cert",
];

export interface SidecarOptions {
  /** The proxyv2 image of the installed Istio, e.g. docker.io/istio/proxyv2:1.28.1. */
  image: string;
  revision: string;
}

const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { apiVersion: "v1", fieldPath } } });
const resourceRef = (resource: string) => ({ valueFrom: { resourceFieldRef: { divisor: "0", resource } } });

const proxyResources = { limits: { cpu: "2", memory: "1Gi" }, requests: { cpu: "10m", memory: "40Mi" } };

/** Which workload a pod belongs to, the way Istio names it: a Deployment's pods by the Deployment. */
export function workloadOf(pod: Pod): { name: string; owner: string } {
  const namespace = pod.metadata.namespace ?? "";
  const ref = pod.metadata.ownerReferences?.find((o) => o.controller);
  const hash = pod.metadata.labels?.["pod-template-hash"];
  if (ref?.kind === "ReplicaSet" && hash && ref.name.endsWith(`-${hash}`)) {
    const name = ref.name.slice(0, -hash.length - 1);
    return { name, owner: `kubernetes://apis/apps/v1/namespaces/${namespace}/deployments/${name}` };
  }
  if (ref) {
    const group = ref.apiVersion.includes("/") ? `apis/${ref.apiVersion}` : `api/${ref.apiVersion}`;
    return {
      name: ref.name,
      owner: `kubernetes://${group}/namespaces/${namespace}/${ref.kind.toLowerCase()}s/${ref.name}`,
    };
  }
  const name = pod.metadata.name ?? "";
  return { name, owner: `kubernetes://apis/v1/namespaces/${namespace}/pods/${name}` };
}

/** ISTIO_META_POD_PORTS: the app's container ports as Istio's template lays them out. */
function podPorts(containers: Container[]): string {
  const entries = containers.flatMap((c) =>
    (c.ports ?? []).map((p) =>
      JSON.stringify({
        ...(p.name ? { name: p.name } : {}),
        ...((p as { hostPort?: number }).hostPort ? { hostPort: (p as { hostPort?: number }).hostPort } : {}),
        containerPort: p.containerPort,
        protocol: p.protocol ?? "TCP",
      }),
    ),
  );
  return ["[", ...entries.map((e, i) => `    ${i ? "," : ""}${e}`), "]"].join("\n");
}

function initContainer(image: string): Container {
  return {
    name: "istio-init",
    image,
    imagePullPolicy: "IfNotPresent",
    args: [
      "istio-iptables",
      "-p",
      "15001",
      "-z",
      "15006",
      "-u",
      String(PROXY_UID),
      "-m",
      "REDIRECT",
      "-i",
      "*",
      "-x",
      "",
      "-b",
      "*",
      "-d",
      "15090,15021,15020",
      "--log_output_level=default:info",
    ],
    resources: proxyResources,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
  };
}

function proxyContainer(
  pod: Pod,
  apps: Container[],
  image: string,
  prometheus: string | undefined,
): Container {
  const workload = workloadOf(pod);
  const probe = {
    httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" },
    successThreshold: 1,
    timeoutSeconds: 3,
  };
  return {
    name: "istio-proxy",
    image,
    imagePullPolicy: "IfNotPresent",
    args: [
      "proxy",
      "sidecar",
      "--domain",
      "$(POD_NAMESPACE).svc.cluster.local",
      "--proxyLogLevel=warning",
      "--proxyComponentLogLevel=misc:error",
      "--log_output_level=default:info",
    ],
    env: [
      { name: "PILOT_CERT_PROVIDER", value: "istiod" },
      { name: "CA_ADDR", value: "istiod.istio-system.svc:15012" },
      { name: "POD_NAME", ...fieldRef("metadata.name") },
      { name: "POD_NAMESPACE", ...fieldRef("metadata.namespace") },
      { name: "INSTANCE_IP", ...fieldRef("status.podIP") },
      { name: "SERVICE_ACCOUNT", ...fieldRef("spec.serviceAccountName") },
      { name: "HOST_IP", ...fieldRef("status.hostIP") },
      { name: "ISTIO_CPU_LIMIT", ...resourceRef("limits.cpu") },
      { name: "PROXY_CONFIG", value: "{}\n" },
      { name: "ISTIO_META_POD_PORTS", value: podPorts(apps) },
      { name: "ISTIO_META_APP_CONTAINERS", value: apps.map((c) => c.name).join(",") },
      { name: "GOMEMLIMIT", ...resourceRef("limits.memory") },
      { name: "GOMAXPROCS", ...resourceRef("limits.cpu") },
      { name: "ISTIO_META_CLUSTER_ID", value: "Kubernetes" },
      { name: "ISTIO_META_NODE_NAME", ...fieldRef("spec.nodeName") },
      { name: "ISTIO_META_INTERCEPTION_MODE", value: "REDIRECT" },
      { name: "ISTIO_META_WORKLOAD_NAME", value: workload.name },
      { name: "ISTIO_META_OWNER", value: workload.owner },
      { name: "ISTIO_META_MESH_ID", value: "cluster.local" },
      { name: "TRUST_DOMAIN", value: "cluster.local" },
      ...(prometheus ? [{ name: "ISTIO_PROMETHEUS_ANNOTATIONS", value: prometheus }] : []),
    ],
    ports: [{ name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" }],
    readinessProbe: { ...probe, failureThreshold: 4, periodSeconds: 15 },
    startupProbe: { ...probe, failureThreshold: 600, periodSeconds: 1 },
    resources: proxyResources,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: PROXY_UID,
      runAsNonRoot: true,
      runAsUser: PROXY_UID,
    },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    volumeMounts: [
      { mountPath: "/var/run/secrets/workload-spiffe-uds", name: "workload-socket" },
      { mountPath: "/var/run/secrets/credential-uds", name: "credential-socket" },
      { mountPath: "/var/run/secrets/workload-spiffe-credentials", name: "workload-certs" },
      { mountPath: "/var/run/secrets/istio", name: "istiod-ca-cert" },
      { mountPath: "/var/lib/istio/data", name: "istio-data" },
      { mountPath: "/etc/istio/proxy", name: "istio-envoy" },
      { mountPath: "/var/run/secrets/tokens", name: "istio-token" },
      { mountPath: "/etc/istio/pod", name: "istio-podinfo" },
    ],
  };
}

const volumes = () => [
  { name: "workload-socket", emptyDir: {} },
  { name: "credential-socket", emptyDir: {} },
  { name: "workload-certs", emptyDir: {} },
  { name: "istio-envoy", emptyDir: { medium: "Memory" } },
  { name: "istio-data", emptyDir: {} },
  {
    name: "istio-podinfo",
    downwardAPI: {
      defaultMode: 420,
      items: [
        { fieldRef: { apiVersion: "v1", fieldPath: "metadata.labels" }, path: "labels" },
        { fieldRef: { apiVersion: "v1", fieldPath: "metadata.annotations" }, path: "annotations" },
      ],
    },
  },
  {
    name: "istio-token",
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { audience: "istio-ca", expirationSeconds: 43200, path: "istio-token" } },
      ],
    },
  },
  { name: "istiod-ca-cert", configMap: { defaultMode: 420, name: "istio-ca-root-cert" } },
];

/**
 * Prometheus metrics merging: the proxy serves merged app+Envoy metrics on 15020, so the scrape
 * annotations point there and the app's own settings travel to the proxy in an env var.
 */
function mergePrometheus(annotations: Record<string, string>): string | undefined {
  if (annotations["prometheus.io/scrape"] === "false") return undefined;
  const original: Record<string, string> = {};
  for (const field of ["scrape", "path", "port"]) {
    const value = annotations[`prometheus.io/${field}`];
    if (value !== undefined) original[field] = value;
  }
  annotations["prometheus.io/scrape"] = "true";
  annotations["prometheus.io/path"] = "/stats/prometheus";
  annotations["prometheus.io/port"] = "15020";
  return Object.keys(original).length ? JSON.stringify(original) : undefined;
}

/** Mutates `pod` into what Istio's injector returns for it. */
export function injectSidecar(pod: Pod, options: SidecarOptions): void {
  const spec = pod.spec ?? { containers: [] };
  pod.spec = spec;
  const apps = [...spec.containers];
  const meta = pod.metadata;
  const labels = { ...meta.labels };
  const annotations = { ...meta.annotations };

  const prometheus = mergePrometheus(annotations);
  const first = apps[0]?.name;
  if (first) {
    annotations["kubectl.kubernetes.io/default-container"] ??= first;
    annotations["kubectl.kubernetes.io/default-logs-container"] ??= first;
  }
  annotations["istio.io/rev"] = options.revision;
  annotations["sidecar.istio.io/status"] = JSON.stringify({
    initContainers: ["istio-init"],
    containers: ["istio-proxy"],
    volumes: VOLUMES,
    imagePullSecrets: null,
    revision: options.revision,
  });

  labels["security.istio.io/tlsMode"] ??= "istio";
  labels["service.istio.io/canonical-name"] ??=
    labels["app.kubernetes.io/name"] ?? labels.app ?? workloadOf(pod).name;
  labels["service.istio.io/canonical-revision"] ??=
    labels["app.kubernetes.io/version"] ?? labels.version ?? "latest";

  spec.initContainers = [initContainer(options.image), ...(spec.initContainers ?? [])];
  spec.containers = [...apps, proxyContainer(pod, apps, options.image, prometheus)];
  spec.volumes = [...((spec.volumes as unknown[] | undefined) ?? []), ...volumes()];
  meta.labels = labels;
  meta.annotations = annotations;
}
