import type { KubeObject } from "../kube.ts";

// What Istio's ambient profile adds to istio-system on top of istiod: the CNI node agent, which
// puts the pods of ambient namespaces in the mesh without a sidecar, and ztunnel, the per-node
// proxy that carries their traffic. Both are DaemonSets: one pod on every Linux node.

const ISTIO_NS = "istio-system";

export const ZTUNNEL_LABELS = { app: "ztunnel" } as const;
export const CNI_LABELS = { "k8s-app": "istio-cni-node" } as const;

type Labels = Record<string, string>;

function daemonSet(
  name: string,
  labels: Labels,
  selector: Labels,
  podLabels: Labels,
  spec: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name, namespace: ISTIO_NS, labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      template: {
        metadata: {
          labels: { ...podLabels, "sidecar.istio.io/inject": "false", "istio.io/dataplane-mode": "none" },
          annotations: { "sidecar.istio.io/inject": "false" },
        },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-node-critical",
          ...spec,
        },
      },
    },
  };
}

/** A readiness probe with the fields the API server defaults filled in, as it stores them. */
const probe = (path: string, port: number) => ({
  httpGet: { path, port, scheme: "HTTP" },
  timeoutSeconds: 1,
  periodSeconds: 10,
  successThreshold: 1,
  failureThreshold: 3,
});

const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });

function ztunnel(version: string, installLabels: Labels): KubeObject[] {
  const labels = { "app.kubernetes.io/name": "ztunnel", ...installLabels };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ztunnel", namespace: ISTIO_NS, labels } },
    daemonSet(
      "ztunnel",
      labels,
      { ...ZTUNNEL_LABELS },
      { ...ZTUNNEL_LABELS, ...labels },
      {
        serviceAccountName: "ztunnel",
        terminationGracePeriodSeconds: 30,
        containers: [
          {
            name: "istio-proxy",
            image: `docker.io/istio/ztunnel:${version}`,
            args: ["proxy", "ztunnel"],
            ports: [{ name: "ztunnel-stats", containerPort: 15020, protocol: "TCP" }],
            readinessProbe: probe("/healthz/ready", 15021),
            env: [
              { name: "CA_ADDRESS", value: "istiod.istio-system.svc:15012" },
              { name: "XDS_ADDRESS", value: "istiod.istio-system.svc:15012" },
              { name: "RUST_LOG", value: "info" },
              { name: "ISTIO_META_CLUSTER_ID", value: "Kubernetes" },
              { name: "INPOD_ENABLED", value: "true" },
              { name: "POD_NAME", ...fieldRef("metadata.name") },
              { name: "POD_NAMESPACE", ...fieldRef("metadata.namespace") },
              { name: "NODE_NAME", ...fieldRef("spec.nodeName") },
              { name: "INSTANCE_IP", ...fieldRef("status.podIP") },
              { name: "SERVICE_ACCOUNT", ...fieldRef("spec.serviceAccountName") },
            ],
            resources: { requests: { cpu: "200m", memory: "512Mi" } },
            securityContext: {
              allowPrivilegeEscalation: true,
              privileged: false,
              capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "SYS_ADMIN", "NET_RAW"] },
              readOnlyRootFilesystem: true,
              runAsGroup: 1337,
              runAsNonRoot: false,
              runAsUser: 0,
            },
          },
        ],
      },
    ),
  ];
}

function cni(version: string, installLabels: Labels): KubeObject[] {
  const labels = { ...CNI_LABELS, "app.kubernetes.io/name": "istio-cni", ...installLabels };
  const config: KubeObject = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "istio-cni-config", namespace: ISTIO_NS, labels },
    data: {
      AMBIENT_ENABLED: "true",
      CHAINED_CNI_PLUGIN: "true",
      CNI_NET_DIR: "/etc/cni/net.d",
      EXCLUDE_NAMESPACES: "kube-system",
      REPAIR_ENABLED: "true",
    },
  };
  return [
    {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "istio-cni", namespace: ISTIO_NS, labels },
    },
    config,
    daemonSet(
      "istio-cni-node",
      labels,
      { ...CNI_LABELS },
      { ...CNI_LABELS, ...labels },
      {
        serviceAccountName: "istio-cni",
        hostNetwork: true,
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: "install-cni",
            image: `docker.io/istio/install-cni:${version}`,
            command: ["install-cni"],
            args: ["--log_output_level=info"],
            ports: [{ name: "metrics", containerPort: 15014, protocol: "TCP" }],
            readinessProbe: probe("/readyz", 8000),
            envFrom: [{ configMapRef: { name: "istio-cni-config" } }],
            resources: { requests: { cpu: "100m", memory: "100Mi" } },
          },
        ],
      },
    ),
  ];
}

/** The CNI agent and ztunnel of an ambient install, labelled the way istioctl labels what it installs. */
export function ambientComponents(
  version: string,
  installLabels: (component: string) => Labels,
): KubeObject[] {
  return [...cni(version, installLabels("Cni")), ...ztunnel(version, installLabels("Ztunnel"))];
}
