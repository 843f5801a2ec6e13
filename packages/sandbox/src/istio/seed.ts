import type { KubeObject } from "../kube.ts";
import { ambientComponents } from "./ambient.ts";
import { istioValidatingWebhooks } from "./validation.ts";

// What a fresh single-node cluster looks like right after `istioctl install` with the ingress
// gateway exposed as a NodePort (the kind/minikube setup the tutorial's docs describe). The
// tour's real-cluster logic detects Istio, finds the ingress address and checks injection from
// these objects, so their names, labels and ports follow a real install. uid, resourceVersion
// and creationTimestamp are left for the store to fill.

/**
 * The istioctl install profile the seed reproduces: `default` has istiod and the
 * istio-ingressgateway; `minimal` istiod alone (ingress through the Gateway API); `ambient` istiod
 * with ambient enabled, the CNI node agent and ztunnel, and no ingress gateway either.
 */
export type IstioProfile = "default" | "minimal" | "ambient";

export interface IstioSeedOptions {
  istioVersion: string;
  /** Default: "default". */
  profile?: IstioProfile;
  httpNodePort: number;
  httpsNodePort: number;
  statusNodePort: number;
  nodeName: string;
}

const ISTIO_NS = "istio-system";
const KUBELET_VERSION = "v1.32.2";

// Labels istioctl puts on everything it installs; detection and `kubectl get -l` rely on some.
const installLabels = (component: string): Record<string, string> => ({
  "install.operator.istio.io/owning-resource": "unknown",
  "istio.io/rev": "default",
  "operator.istio.io/component": component,
  release: "istio",
});

function namespace(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    // Kubernetes sets this label on every namespace so selectors can match by name.
    metadata: { name, labels: { "kubernetes.io/metadata.name": name } },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

function serviceAccount(namespace: string, name: string, labels?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
  };
}

function node(name: string): KubeObject {
  const resources = {
    cpu: "8",
    "ephemeral-storage": "102626232Ki",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
    memory: "16318668Ki",
    pods: "110",
  };
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": "",
      },
    },
    // No control-plane taint: like kind's single node, it runs the workloads too.
    spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"], providerID: `kind://docker/${name}` },
    status: {
      capacity: resources,
      allocatable: { ...resources },
      conditions: [
        {
          type: "MemoryPressure",
          status: "False",
          reason: "KubeletHasSufficientMemory",
          message: "kubelet has sufficient memory available",
        },
        {
          type: "DiskPressure",
          status: "False",
          reason: "KubeletHasNoDiskPressure",
          message: "kubelet has no disk pressure",
        },
        {
          type: "PIDPressure",
          status: "False",
          reason: "KubeletHasSufficientPID",
          message: "kubelet has sufficient PID available",
        },
        { type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
      ],
      // The ingress gateway's NodePort is reached on this address (pod hostIP), so it must be
      // where the sandbox's data plane actually listens.
      addresses: [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: "amd64",
        bootID: "5c0f9a43-3f7e-4d52-9a51-7a8d2e6b1c90",
        containerRuntimeVersion: "containerd://2.0.3",
        kernelVersion: "6.8.0-52-generic",
        kubeProxyVersion: KUBELET_VERSION,
        kubeletVersion: KUBELET_VERSION,
        machineID: "2f7c1d0a9b8e4c6d8e1f3a5b7c9d0e1f",
        operatingSystem: "linux",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        systemUUID: "2f7c1d0a-9b8e-4c6d-8e1f-3a5b7c9d0e1f",
      },
    },
  };
}

function istiod(version: string, ambient: boolean): KubeObject[] {
  const labels = { app: "istiod", istio: "pilot", ...installLabels("Pilot") };
  const selector = { app: "istiod", istio: "pilot" };
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "istiod", namespace: ISTIO_NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { istio: "pilot" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: "25%" } },
      template: {
        metadata: {
          labels: { ...labels, "sidecar.istio.io/inject": "false" },
          annotations: { "prometheus.io/port": "15014", "prometheus.io/scrape": "true" },
        },
        spec: {
          serviceAccountName: "istiod",
          containers: [
            {
              name: "discovery",
              image: `docker.io/istio/pilot:${version}`,
              args: [
                "discovery",
                "--monitoringAddr=:15014",
                "--log_output_level=default:info",
                "--domain",
                "cluster.local",
                "--keepaliveMaxServerConnectionAge",
                "30m",
              ],
              ports: [
                { name: "http-debug", containerPort: 8080, protocol: "TCP" },
                { name: "grpc-xds", containerPort: 15010, protocol: "TCP" },
                { name: "tls-xds", containerPort: 15012, protocol: "TCP" },
                { name: "https-webhooks", containerPort: 15017, protocol: "TCP" },
                { name: "http-monitoring", containerPort: 15014, protocol: "TCP" },
              ],
              readinessProbe: {
                httpGet: { path: "/ready", port: 8080 },
                initialDelaySeconds: 1,
                periodSeconds: 3,
                timeoutSeconds: 5,
              },
              // The ambient profile turns on ambient support in istiod (waypoints, the
              // istio-waypoint GatewayClass) and lets ztunnel ask for workload certificates.
              ...(ambient
                ? {
                    env: [
                      { name: "PILOT_ENABLE_AMBIENT", value: "true" },
                      { name: "CA_TRUSTED_NODE_ACCOUNTS", value: "istio-system/ztunnel" },
                    ],
                  }
                : {}),
              resources: { requests: { cpu: "500m", memory: "2048Mi" } },
            },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istiod", namespace: ISTIO_NS, labels },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.96.184.37",
      clusterIPs: ["10.96.184.37"],
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      internalTrafficPolicy: "Cluster",
      sessionAffinity: "None",
      selector,
      ports: [
        { name: "grpc-xds", port: 15010, protocol: "TCP", targetPort: 15010 },
        { name: "https-dns", port: 15012, protocol: "TCP", targetPort: 15012 },
        // The API server calls the injection webhook on 443; istiod serves it on 15017.
        { name: "https-webhook", port: 443, protocol: "TCP", targetPort: 15017 },
        { name: "http-monitoring", port: 15014, protocol: "TCP", targetPort: 15014 },
      ],
    },
    status: { loadBalancer: {} },
  };
  return [
    serviceAccount(ISTIO_NS, "istiod", { app: "istiod", ...installLabels("Pilot") }),
    serviceAccount(ISTIO_NS, "istio-reader-service-account", {
      app: "istio-reader",
      ...installLabels("Base"),
    }),
    deployment,
    service,
  ];
}

function ingressGateway(o: IstioSeedOptions): KubeObject[] {
  const selector = { app: "istio-ingressgateway", istio: "ingressgateway" };
  const labels = { ...selector, ...installLabels("IngressGateways") };
  const deployment: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "istio-ingressgateway", namespace: ISTIO_NS, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "100%", maxUnavailable: "25%" } },
      template: {
        metadata: {
          labels: {
            ...labels,
            "service.istio.io/canonical-name": "istio-ingressgateway",
            "service.istio.io/canonical-revision": "latest",
            "sidecar.istio.io/inject": "false",
          },
          annotations: {
            "prometheus.io/path": "/stats/prometheus",
            "prometheus.io/port": "15020",
            "prometheus.io/scrape": "true",
          },
        },
        spec: {
          serviceAccountName: "istio-ingressgateway-service-account",
          containers: [
            {
              name: "istio-proxy",
              image: `docker.io/istio/proxyv2:${o.istioVersion}`,
              args: [
                "proxy",
                "router",
                "--domain",
                "$(POD_NAMESPACE).svc.cluster.local",
                "--proxyLogLevel=warning",
                "--proxyComponentLogLevel=misc:error",
                "--log_output_level=default:info",
              ],
              // The Service maps 80 -> 8080 and 443 -> 8443: the proxy runs unprivileged and
              // cannot bind ports below 1024.
              ports: [
                { containerPort: 15021, protocol: "TCP" },
                { containerPort: 8080, protocol: "TCP" },
                { containerPort: 8443, protocol: "TCP" },
                { name: "http-envoy-prom", containerPort: 15090, protocol: "TCP" },
              ],
              readinessProbe: {
                httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" },
                failureThreshold: 30,
                initialDelaySeconds: 1,
                periodSeconds: 2,
                successThreshold: 1,
                timeoutSeconds: 1,
              },
              resources: {
                limits: { cpu: "2", memory: "1Gi" },
                requests: { cpu: "100m", memory: "128Mi" },
              },
            },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "istio-ingressgateway", namespace: ISTIO_NS, labels },
    spec: {
      // A real install asks for a LoadBalancer; clusters without one (kind, minikube without
      // a tunnel) end up reaching it by NodePort, which is the path the sandbox exercises.
      type: "NodePort",
      clusterIP: "10.96.37.201",
      clusterIPs: ["10.96.37.201"],
      externalTrafficPolicy: "Cluster",
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      sessionAffinity: "None",
      selector,
      ports: [
        { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021, nodePort: o.statusNodePort },
        { name: "http2", port: 80, protocol: "TCP", targetPort: 8080, nodePort: o.httpNodePort },
        { name: "https", port: 443, protocol: "TCP", targetPort: 8443, nodePort: o.httpsNodePort },
      ],
    },
    status: { loadBalancer: {} },
  };
  return [serviceAccount(ISTIO_NS, "istio-ingressgateway-service-account", labels), deployment, service];
}

function configMaps(version: string, profile: IstioProfile): KubeObject[] {
  const labels = installLabels("Pilot");
  const mesh = [
    "accessLogFile: /dev/stdout",
    "defaultConfig:",
    "  discoveryAddress: istiod.istio-system.svc:15012",
    "  proxyMetadata: {}",
    "defaultProviders:",
    "  metrics:",
    "  - prometheus",
    "enablePrometheusMerge: true",
    "rootNamespace: istio-system",
    "trustDomain: cluster.local",
    "",
  ].join("\n");
  // The real injector config carries the full pod template; istioctl kube-inject is the only
  // reader, and it prefers the in-cluster webhook, so a short stand-in is enough here.
  const injectorConfig = [
    "defaultTemplates: [sidecar]",
    "policy: enabled",
    "alwaysInjectSelector: []",
    "neverInjectSelector: []",
    "injectedAnnotations: {}",
    "templates:",
    "  sidecar: |",
    "    # The sidecar template is not reproduced in the sandbox.",
    "",
  ].join("\n");
  const values = {
    global: {
      hub: "docker.io/istio",
      tag: version,
      istioNamespace: ISTIO_NS,
      proxy: { image: "proxyv2" },
      proxy_init: { image: "proxyv2" },
    },
    revision: "",
    ...(profile === "default" ? {} : { profile }),
    sidecarInjectorWebhook: { enableNamespacesByDefault: false, rewriteAppHTTPProbe: true },
  };
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio", namespace: ISTIO_NS, labels },
      data: { mesh, meshNetworks: "networks: {}" },
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "istio-sidecar-injector", namespace: ISTIO_NS, labels },
      data: { config: injectorConfig, values: JSON.stringify(values, null, 2) },
    },
  ];
}

type LabelRequirement = {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
};

const notOptedOut: LabelRequirement = {
  key: "sidecar.istio.io/inject",
  operator: "NotIn",
  values: ["false"],
};
const absent = (key: string): LabelRequirement => ({ key, operator: "DoesNotExist" });

function injectorWebhook(): KubeObject {
  const webhook = (name: string, namespaceRules: LabelRequirement[], objectRules: LabelRequirement[]) => ({
    name,
    admissionReviewVersions: ["v1"],
    clientConfig: { service: { name: "istiod", namespace: ISTIO_NS, path: "/inject", port: 443 } },
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    namespaceSelector: { matchExpressions: namespaceRules },
    objectSelector: { matchExpressions: objectRules },
    reinvocationPolicy: "Never",
    // Only pod creation is intercepted, which is why pods that predate the label keep 1/1.
    rules: [
      {
        apiGroups: [""],
        apiVersions: ["v1"],
        operations: ["CREATE"],
        resources: ["pods"],
        scope: "*",
      },
    ],
    sideEffects: "None",
    timeoutSeconds: 10,
  });
  // The four selectors partition the cases so that at most one webhook fires for any pod, and
  // an istio-injection namespace label always takes precedence over istio.io/rev.
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: {
      name: "istio-sidecar-injector",
      labels: { app: "sidecar-injector", ...installLabels("Pilot") },
    },
    webhooks: [
      webhook(
        "rev.namespace.sidecar-injector.istio.io",
        [{ key: "istio.io/rev", operator: "In", values: ["default"] }, absent("istio-injection")],
        [notOptedOut],
      ),
      webhook(
        "rev.object.sidecar-injector.istio.io",
        [absent("istio.io/rev"), absent("istio-injection")],
        [notOptedOut, { key: "istio.io/rev", operator: "In", values: ["default"] }],
      ),
      webhook(
        "namespace.sidecar-injector.istio.io",
        [{ key: "istio-injection", operator: "In", values: ["enabled"] }],
        [notOptedOut],
      ),
      webhook(
        "object.sidecar-injector.istio.io",
        [absent("istio-injection"), absent("istio.io/rev")],
        [{ key: "sidecar.istio.io/inject", operator: "In", values: ["true"] }, absent("istio.io/rev")],
      ),
    ],
  };
}

function kubernetesService(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kubernetes",
      namespace: "default",
      labels: { component: "apiserver", provider: "kubernetes" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: "10.96.0.1",
      clusterIPs: ["10.96.0.1"],
      internalTrafficPolicy: "Cluster",
      ipFamilies: ["IPv4"],
      ipFamilyPolicy: "SingleStack",
      sessionAffinity: "None",
      ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }],
    },
    status: { loadBalancer: {} },
  };
}

const NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", ISTIO_NS];

/** The objects a fresh cluster with Istio (and nothing else) holds, ready to load into the store. */
export function istioSeedObjects(opts: IstioSeedOptions): KubeObject[] {
  const profile = opts.profile ?? "default";
  return [
    ...NAMESPACES.map(namespace),
    node(opts.nodeName),
    ...NAMESPACES.map((ns) => serviceAccount(ns, "default")),
    kubernetesService(),
    ...istiod(opts.istioVersion, profile === "ambient"),
    ...(profile === "default" ? ingressGateway(opts) : []),
    ...(profile === "ambient" ? ambientComponents(opts.istioVersion, installLabels) : []),
    ...configMaps(opts.istioVersion, profile),
    injectorWebhook(),
    ...istioValidatingWebhooks(installLabels("Pilot")),
  ];
}

export type BookinfoApp = "productpage" | "details" | "reviews" | "ratings";

// The repository part may carry a registry host with a port, so the tag is only looked for
// after the last "/".
const BOOKINFO_IMAGE =
  /^examples-bookinfo-(productpage|details|reviews|ratings)-(v[a-z0-9]*(?:-[a-z0-9]+)*)$/;

/**
 * Recognises a Bookinfo image by its repository name, whatever the registry, tag or digest:
 * `registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3` -> reviews v2. Images of other
 * programs (including Bookinfo's databases) give undefined.
 */
export function bookinfoImage(image: string): { app: BookinfoApp; version: string } | undefined {
  const withoutDigest = image.split("@", 1)[0] ?? "";
  const lastSegment = withoutDigest.slice(withoutDigest.lastIndexOf("/") + 1);
  const repository = lastSegment.split(":", 1)[0] ?? "";
  const match = BOOKINFO_IMAGE.exec(repository);
  if (!match) return undefined;
  const [, app, version] = match;
  if (!app || !version || version === "v") return undefined;
  return { app: app as BookinfoApp, version };
}
