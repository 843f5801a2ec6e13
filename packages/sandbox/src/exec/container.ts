import { randomBytes } from "node:crypto";
import type { Container, KubeObject, Pod } from "../kube.ts";
import { DIRECTORY, type ImageProfile, imageProfile } from "./images.ts";

// The inside of one container as a process started by `kubectl exec` sees it: its
// environment (the image's, the pod spec's, and the service links kubelet injects), its host
// name and the files kubelet mounts (/etc/hosts, /etc/resolv.conf, the service account).

export interface ServiceLink {
  name: string;
  namespace: string;
  clusterIP?: string;
  ports: { name?: string; port: number; protocol?: string }[];
  creationTimestamp?: string;
}

export interface ContainerView {
  pod: Pod;
  container: Container;
  profile: ImageProfile;
  hostname: string;
  /** Ordered as `env` prints them. */
  env: [string, string][];
  files: Map<string, string>;
  cwd: string;
}

export interface ContainerInputs {
  pod: Pod;
  container: Container;
  tty: boolean;
  /** Services of the pod's namespace, and `kubernetes` in default. */
  services: ServiceLink[];
  /** For env valueFrom: a ConfigMap or Secret by namespace and name. */
  lookup?: (kind: "configmaps" | "secrets", namespace: string, name: string) => KubeObject | undefined;
  /** The cluster's CA, as mounted at .../serviceaccount/ca.crt. */
  caPem?: string;
}

const envName = (service: string) => service.toUpperCase().replaceAll("-", "_");

/** kubelet's service links: host, port and Docker-style link variables for each Service. */
export function serviceLinkEnv(services: ServiceLink[]): [string, string][] {
  const out: [string, string][] = [];
  for (const service of services) {
    if (!service.clusterIP || service.clusterIP === "None" || service.ports.length === 0) continue;
    const prefix = envName(service.name);
    const ip = service.clusterIP;
    out.push([`${prefix}_SERVICE_HOST`, ip], [`${prefix}_SERVICE_PORT`, String(service.ports[0]!.port)]);
    for (const port of service.ports)
      if (port.name) out.push([`${prefix}_SERVICE_PORT_${envName(port.name)}`, String(port.port)]);
    service.ports.forEach((port, i) => {
      const protocol = (port.protocol ?? "TCP").toLowerCase();
      const hostPort = ip.includes(":") ? `[${ip}]:${port.port}` : `${ip}:${port.port}`;
      if (i === 0) out.push([`${prefix}_PORT`, `${protocol}://${hostPort}`]);
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      out.push(
        [portPrefix, `${protocol}://${hostPort}`],
        [`${portPrefix}_PROTO`, protocol],
        [`${portPrefix}_PORT`, String(port.port)],
        [`${portPrefix}_ADDR`, ip],
      );
    });
  }
  return out;
}

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: { fieldPath?: string };
    resourceFieldRef?: { resource?: string };
    configMapKeyRef?: { name?: string; key?: string };
    secretKeyRef?: { name?: string; key?: string };
  };
}

/** The downward API's field paths, as kubelet resolves them. */
function fieldValue(pod: Pod, path: string): string {
  const annotated = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (annotated) return pod.metadata[annotated[1] as "labels" | "annotations"]?.[annotated[2]!] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return (pod.spec?.serviceAccountName as string | undefined) ?? "default";
    case "status.hostIP":
      return pod.status?.hostIP ?? "";
    case "status.podIP":
      return pod.status?.podIP ?? "";
    case "status.podIPs":
      return (pod.status?.podIPs ?? []).map((p) => p.ip).join(",");
    default:
      return "";
  }
}

/** `$(NAME)` refers to a variable defined earlier; `$$(NAME)` is a literal. */
function expand(value: string, defined: Map<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name?: string) => {
    if (whole === "$$") return "$";
    return name !== undefined && defined.has(name) ? defined.get(name)! : whole;
  });
}

function containerEnv(inputs: ContainerInputs, defined: Map<string, string>): [string, string][] {
  const { pod, container } = inputs;
  const out: [string, string][] = [];
  for (const variable of (container.env ?? []) as EnvVar[]) {
    let value = variable.value !== undefined ? expand(variable.value, defined) : "";
    const from = variable.valueFrom;
    if (from?.fieldRef?.fieldPath) value = fieldValue(pod, from.fieldRef.fieldPath);
    else if (from?.resourceFieldRef?.resource)
      value = from.resourceFieldRef.resource.includes("cpu") ? "2" : "1073741824";
    else if (from?.configMapKeyRef?.name) {
      const cm = inputs.lookup?.("configmaps", pod.metadata.namespace ?? "", from.configMapKeyRef.name);
      value = String(
        (cm?.data as Record<string, unknown> | undefined)?.[from.configMapKeyRef.key ?? ""] ?? "",
      );
    } else if (from?.secretKeyRef?.name) {
      const secret = inputs.lookup?.("secrets", pod.metadata.namespace ?? "", from.secretKeyRef.name);
      const encoded = (secret?.data as Record<string, string> | undefined)?.[from.secretKeyRef.key ?? ""];
      value = encoded ? Buffer.from(encoded, "base64").toString("utf8") : "";
    }
    defined.set(variable.name, value);
    out.push([variable.name, value]);
  }
  return out;
}

/** The service links a container got: Services that existed when the pod started. */
function linksFor(inputs: ContainerInputs): ServiceLink[] {
  const { pod } = inputs;
  if (pod.spec?.enableServiceLinks === false)
    return inputs.services.filter((s) => s.namespace === "default" && s.name === "kubernetes");
  // kubelet computes the environment when it starts the container.
  const status = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ].find((s) => s.name === inputs.container.name);
  const started =
    status?.state?.running?.startedAt ?? pod.status?.startTime ?? pod.metadata.creationTimestamp ?? "";
  const namespace = pod.metadata.namespace ?? "";
  return inputs.services
    .filter(
      (s) =>
        (s.namespace === namespace || (s.namespace === "default" && s.name === "kubernetes")) &&
        (!started || !s.creationTimestamp || s.creationTimestamp <= started),
    )
    .sort((a, b) =>
      a.name === "kubernetes" ? -1 : b.name === "kubernetes" ? 1 : a.name.localeCompare(b.name),
    );
}

function hostsFile(pod: Pod, hostname: string): string {
  const lines = [
    "# Kubernetes-managed hosts file.",
    "127.0.0.1\tlocalhost",
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "fe00::0\tip6-localnet",
    "fe00::0\tip6-mcastprefix",
    "fe00::1\tip6-allnodes",
    "fe00::2\tip6-allrouters",
  ];
  const subdomain = pod.spec?.subdomain as string | undefined;
  const namespace = pod.metadata.namespace ?? "";
  for (const { ip } of pod.status?.podIPs ?? (pod.status?.podIP ? [{ ip: pod.status.podIP }] : [])) {
    lines.push(
      subdomain
        ? `${ip}\t${hostname}.${subdomain}.${namespace}.svc.cluster.local\t${hostname}`
        : `${ip}\t${hostname}`,
    );
  }
  const aliases = (pod.spec?.hostAliases ?? []) as { ip?: string; hostnames?: string[] }[];
  if (aliases.length) {
    lines.push("", "# Entries added by HostAliases.");
    for (const alias of aliases) lines.push(`${alias.ip}\t${(alias.hostnames ?? []).join("\t")}`);
  }
  return `${lines.join("\n")}\n`;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A projected service account token as kubelet mounts it (signed by the API server, not checkable here). */
function serviceAccountToken(pod: Pod): string {
  const now = Math.floor(Date.now() / 1000);
  const namespace = pod.metadata.namespace ?? "";
  const account = (pod.spec?.serviceAccountName as string | undefined) ?? "default";
  const claims = {
    aud: ["https://kubernetes.default.svc.cluster.local"],
    exp: now + 3607,
    iat: now,
    iss: "https://kubernetes.default.svc.cluster.local",
    "kubernetes.io": {
      namespace,
      node: { name: pod.spec?.nodeName ?? "" },
      pod: { name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "" },
      serviceaccount: { name: account },
    },
    nbf: now,
    sub: `system:serviceaccount:${namespace}:${account}`,
  };
  return `${base64url({ alg: "RS256", kid: randomBytes(8).toString("hex") })}.${base64url(claims)}.${randomBytes(64).toString("base64url")}`;
}

export function containerView(inputs: ContainerInputs): ContainerView {
  const { pod, container } = inputs;
  const profile = imageProfile(container);
  const hostname = (pod.spec?.hostname as string | undefined) ?? pod.metadata.name ?? "";
  const defined = new Map<string, string>();
  const spec = containerEnv(inputs, defined);
  const links = serviceLinkEnv(linksFor(inputs));
  const specNames = new Set(spec.map(([name]) => name));
  const image = profile.env.filter(([name]) => name !== "PATH" && !specNames.has(name));
  const path =
    spec.find(([name]) => name === "PATH")?.[1] ?? profile.env.find(([name]) => name === "PATH")?.[1];
  const env: [string, string][] = [
    ...(path !== undefined ? ([["PATH", path]] as [string, string][]) : []),
    ["HOSTNAME", hostname],
    ...(inputs.tty ? ([["TERM", "xterm"]] as [string, string][]) : []),
    ...image,
    ...spec.filter(([name]) => name !== "PATH"),
    ...links.filter(([name]) => !specNames.has(name)),
    ["HOME", profile.user.home],
  ];

  const files = new Map<string, string>(Object.entries(profile.files));
  files.set(profile.user.home, DIRECTORY);
  files.set(profile.workdir, DIRECTORY);
  files.set("/etc/hostname", `${hostname}\n`);
  files.set("/etc/hosts", hostsFile(pod, hostname));
  const namespace = pod.metadata.namespace ?? "";
  files.set(
    "/etc/resolv.conf",
    `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
  );
  files.set(
    "/etc/passwd",
    [
      "root:x:0:0:root:/root:/bin/bash",
      ...(profile.user.uid
        ? [`${profile.user.name}:x:${profile.user.uid}:${profile.user.gid}::${profile.user.home}:/bin/sh`]
        : []),
      "",
    ].join("\n"),
  );
  if (pod.spec?.automountServiceAccountToken !== false) {
    const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
    files.set(`${dir}/namespace`, namespace);
    files.set(`${dir}/token`, serviceAccountToken(pod));
    if (inputs.caPem) files.set(`${dir}/ca.crt`, inputs.caPem);
  }
  if (container.name === "istio-proxy") files.set("/etc/istio/proxy/envoy-rev.json", '{"node":{}}\n');
  return { pod, container, profile, hostname, env, files, cwd: profile.workdir };
}
