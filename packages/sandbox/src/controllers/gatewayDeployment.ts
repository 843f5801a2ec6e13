import type { GatewayModel } from "../gatewayapi/istio/model.ts";
import type { KubeObject } from "../kube.ts";

// The ServiceAccount, Deployment and Service Istio's deployment controller renders for a Gateway
// of one of its classes (istio's kube-gateway and waypoint templates): named `<gateway>-<class>`
// (waypoints just `<gateway>`), labelled with the gateway's name, owned by the Gateway.

export const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
const SERVICE_TYPE_ANNOTATION = "networking.istio.io/service-type";

interface Infrastructure {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function common(gw: GatewayModel) {
  const infra = ((gw.object.spec as { infrastructure?: Infrastructure })?.infrastructure ??
    {}) as Infrastructure;
  const labels: Record<string, string> = {
    ...infra.labels,
    "gateway.istio.io/managed": gw.info.managedLabel,
    "gateway.networking.k8s.io/gateway-class-name": gw.className,
    [GATEWAY_NAME_LABEL]: gw.name,
    "istio.io/dataplane-mode": "none",
  };
  const metadata = {
    name: gw.deployedName,
    namespace: gw.namespace,
    labels,
    ...(infra.annotations ? { annotations: { ...infra.annotations } } : {}),
    ownerReferences: [
      {
        apiVersion: "gateway.networking.k8s.io/v1beta1",
        kind: "Gateway",
        name: gw.name,
        uid: gw.object.metadata.uid ?? "",
      },
    ],
  };
  return { labels, metadata };
}

export function gatewayServiceAccount(gw: GatewayModel): KubeObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: common(gw).metadata };
}

const fieldRef = (fieldPath: string) => ({ valueFrom: { fieldRef: { fieldPath } } });

export function gatewayDeployment(gw: GatewayModel, proxyImage: string): KubeObject {
  const { labels, metadata } = common(gw);
  const waypoint = gw.info.waypoint;
  const container = {
    name: "istio-proxy",
    image: proxyImage,
    args: [
      "proxy",
      waypoint ? "waypoint" : "router",
      "--domain",
      "$(POD_NAMESPACE).svc.cluster.local",
      ...(waypoint ? ["--serviceCluster", `${gw.deployedName}.$(POD_NAMESPACE)`] : []),
      "--proxyLogLevel",
      "warning",
      "--proxyComponentLogLevel",
      "misc:error",
      "--log_output_level",
      "default:info",
    ],
    env: [
      { name: "PILOT_CERT_PROVIDER", value: "istiod" },
      { name: "CA_ADDR", value: "istiod.istio-system.svc:15012" },
      { name: "POD_NAME", ...fieldRef("metadata.name") },
      { name: "POD_NAMESPACE", ...fieldRef("metadata.namespace") },
      { name: "INSTANCE_IP", ...fieldRef("status.podIP") },
      { name: "SERVICE_ACCOUNT", ...fieldRef("spec.serviceAccountName") },
      { name: "HOST_IP", ...fieldRef("status.hostIP") },
      { name: "ISTIO_META_CLUSTER_ID", value: "Kubernetes" },
      { name: "ISTIO_META_WORKLOAD_NAME", value: gw.deployedName },
      {
        name: "ISTIO_META_OWNER",
        value: `kubernetes://apis/apps/v1/namespaces/${gw.namespace}/deployments/${gw.deployedName}`,
      },
      { name: "ISTIO_META_MESH_ID", value: "cluster.local" },
      { name: "TRUST_DOMAIN", value: "cluster.local" },
    ],
    ports: [
      { name: "metrics", containerPort: 15020, protocol: "TCP" },
      { name: "status-port", containerPort: 15021, protocol: "TCP" },
      { name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" },
    ],
    readinessProbe: {
      failureThreshold: 4,
      httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" },
      initialDelaySeconds: 0,
      periodSeconds: 15,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    startupProbe: {
      failureThreshold: 30,
      httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" },
      initialDelaySeconds: 1,
      periodSeconds: 1,
      successThreshold: 1,
      timeoutSeconds: 1,
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata,
    spec: {
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gw.name } },
      template: {
        metadata: {
          annotations: {
            "istio.io/rev": "default",
            "prometheus.io/path": "/stats/prometheus",
            "prometheus.io/port": "15020",
            "prometheus.io/scrape": "true",
          },
          labels: {
            ...labels,
            "service.istio.io/canonical-name": gw.deployedName,
            "service.istio.io/canonical-revision": "latest",
            "sidecar.istio.io/inject": "false",
          },
        },
        spec: {
          // A gateway listens on its listeners' own ports (80 included) without root.
          ...(waypoint
            ? {}
            : {
                securityContext: { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
              }),
          serviceAccountName: gw.deployedName,
          containers: [container],
        },
      },
    },
  };
}

/** The Service: 15021 plus each listener port (waypoints: 15008), typed by the annotation or the class. */
export function gatewayService(gw: GatewayModel): KubeObject {
  const { metadata } = common(gw);
  const annotations = (gw.object.metadata.annotations ?? {}) as Record<string, string>;
  const type = annotations[SERVICE_TYPE_ANNOTATION] || gw.info.defaultServiceType;
  const ports: Record<string, unknown>[] = [
    { name: "status-port", port: 15021, protocol: "TCP", appProtocol: "tcp" },
  ];
  if (gw.info.waypoint) {
    ports.push({ name: "mesh", port: 15008, protocol: "TCP", appProtocol: "all" });
  } else {
    const seen = new Set<number>();
    gw.listeners.forEach((l, i) => {
      if (seen.has(l.port) || !l.port) return;
      seen.add(l.port);
      const name =
        l.name
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, "-")
          .replace(/^-+|-+$/g, "")
          .slice(0, 63) || `${l.protocol.toLowerCase()}-${i}`;
      ports.push({ name, port: l.port, protocol: "TCP", appProtocol: l.protocol.toLowerCase() });
    });
  }
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: gw.info.waypoint
      ? {
          ...metadata,
          annotations: { ...metadata.annotations, "networking.istio.io/traffic-distribution": "PreferClose" },
        }
      : metadata,
    spec: {
      ipFamilyPolicy: "PreferDualStack",
      ports,
      selector: { [GATEWAY_NAME_LABEL]: gw.name },
      type,
    },
  };
}
