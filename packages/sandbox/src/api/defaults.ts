import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";
import type { AdmissionPlugin } from "./admission.ts";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});

/**
 * The defaults a real API server fills in, so `kubectl get -o yaml` and the tour's checks see
 * the same fields they would on a cluster (clusterIP, nodePort, strategy, phase, ...).
 */
export const applyDefaults: AdmissionPlugin = ({ operation, resource, object, store }) => {
  switch (resource.kind) {
    case "Namespace":
      return defaultNamespace(object);
    case "Pod":
      if (operation === "CREATE") defaultPod(object);
      return;
    case "Service":
      return defaultService(object, store);
    case "Deployment":
      return defaultDeployment(object);
    case "ReplicaSet":
      return defaultReplicaSet(object);
    case "DaemonSet":
      return defaultDaemonSet(object);
  }
};

function defaultNamespace(ns: KubeObject): void {
  const name = ns.metadata.name ?? "";
  ns.metadata.labels = { ...ns.metadata.labels, "kubernetes.io/metadata.name": name };
  ns.spec = { finalizers: ["kubernetes"], ...obj(ns.spec) };
  ns.status = { phase: "Active", ...obj(ns.status) };
}

export function defaultPodSpec(spec: Json): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.schedulerName ??= "default-scheduler";
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  for (const list of ["containers", "initContainers"]) {
    for (const c of (spec[list] as Json[] | undefined) ?? []) {
      c.terminationMessagePath ??= "/dev/termination-log";
      c.terminationMessagePolicy ??= "File";
      c.imagePullPolicy ??= String(c.image ?? "").endsWith(":latest") ? "Always" : "IfNotPresent";
      c.resources ??= {};
      for (const p of (c.ports as Json[] | undefined) ?? []) p.protocol ??= "TCP";
    }
  }
}

function defaultPod(pod: KubeObject): void {
  const spec = obj(pod.spec);
  pod.spec = spec;
  defaultPodSpec(spec);
  spec.serviceAccountName ??= "default";
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.priority ??= 0;
  spec.tolerations ??= [
    { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
    {
      key: "node.kubernetes.io/unreachable",
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: 300,
    },
  ];
  pod.status = { phase: "Pending", qosClass: "BestEffort", ...obj(pod.status) };
}

function defaultTemplate(owner: KubeObject): void {
  const spec = obj(owner.spec);
  const template = obj(spec.template);
  template.metadata ??= {};
  template.spec = obj(template.spec);
  defaultPodSpec(template.spec as Json);
  spec.template = template;
  owner.spec = spec;
}

function defaultDeployment(d: KubeObject): void {
  defaultTemplate(d);
  const spec = obj(d.spec);
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.strategy ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
}

function defaultReplicaSet(rs: KubeObject): void {
  defaultTemplate(rs);
  obj(rs.spec).replicas ??= 1;
}

function defaultDaemonSet(ds: KubeObject): void {
  defaultTemplate(ds);
  const spec = obj(ds.spec);
  spec.revisionHistoryLimit ??= 10;
  spec.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
}

function defaultService(svc: KubeObject, store: Store): void {
  const spec = obj(svc.spec);
  svc.spec = spec;
  spec.type ??= "ClusterIP";
  spec.sessionAffinity ??= "None";
  spec.ipFamilies ??= ["IPv4"];
  spec.ipFamilyPolicy ??= "SingleStack";
  spec.internalTrafficPolicy ??= "Cluster";
  if (spec.clusterIP === undefined || spec.clusterIP === "") spec.clusterIP = freeClusterIP(store);
  if (spec.clusterIP !== "None") spec.clusterIPs ??= [spec.clusterIP];
  const wantsNodePort = spec.type === "NodePort" || spec.type === "LoadBalancer";
  if (wantsNodePort) spec.externalTrafficPolicy ??= "Cluster";
  for (const port of (spec.ports as Json[] | undefined) ?? []) {
    port.protocol ??= "TCP";
    port.targetPort ??= port.port;
    if (wantsNodePort && !port.nodePort) port.nodePort = freeNodePort(store);
  }
  svc.status ??= { loadBalancer: {} };
}

function freeClusterIP(store: Store): string {
  const used = new Set<string>();
  for (const s of store.peek("services")) used.add(String(obj(s.spec).clusterIP));
  for (let i = 10; i < 65000; i++) {
    const ip = `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    if (!used.has(ip)) return ip;
  }
  throw new Error("service IP range exhausted");
}

function freeNodePort(store: Store): number {
  const used = new Set<number>();
  for (const s of store.peek("services")) {
    for (const p of (obj(s.spec).ports as Json[] | undefined) ?? []) used.add(Number(p.nodePort));
  }
  for (;;) {
    const port = 30000 + Math.floor(Math.random() * 2768);
    if (!used.has(port)) return port;
  }
}
