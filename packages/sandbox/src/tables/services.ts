import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { formatLabels } from "./format.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

interface ServicePort {
  port: number;
  nodePort?: number;
  protocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export const serviceColumns = [
  nameColumn,
  column("Type", "How the service is exposed: ClusterIP, NodePort, LoadBalancer or ExternalName."),
  column("Cluster-IP", "The service's virtual IP inside the cluster."),
  column("External-IP", "Addresses outside the cluster that reach the service."),
  column("Port(s)", "Service ports, with the node port after a colon."),
  ageColumn,
  column("Selector", "Labels of the pods that back the service.", WIDE),
];

export const servicePrinter: KindPrinter = {
  columns: serviceColumns,
  cells(object, now) {
    const service = object as Service;
    const spec = service.spec ?? {};
    // The internal form fills clusterIPs from the legacy clusterIP field.
    const clusterIP = spec.clusterIPs?.[0] ?? (spec.clusterIP || "<none>");
    return [
      service.metadata.name ?? "",
      serviceType(service),
      clusterIP,
      externalIP(service),
      portsText(spec.ports) || "<none>",
      age(service.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

function serviceType(service: Service): string {
  // The API server defaults the type, so a stored Service without one is a ClusterIP service.
  return service.spec?.type || "ClusterIP";
}

/** PORT(S): "9080/TCP", or "80:31380/TCP" when a node port is allocated. */
export function portsText(ports: ServicePort[] | undefined): string {
  return (ports ?? [])
    .map((p) => {
      const protocol = p.protocol || "TCP";
      return p.nodePort ? `${p.port}:${p.nodePort}/${protocol}` : `${p.port}/${protocol}`;
    })
    .join(",");
}

/** EXTERNAL-IP: "<none>", "<pending>" for a load balancer without an address yet, or the addresses. */
export function externalIP(service: Service): string {
  const spec = service.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (serviceType(service)) {
    case "ClusterIP":
    case "NodePort":
      return externalIPs.length > 0 ? externalIPs.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = loadBalancerAddresses(service);
      if (externalIPs.length > 0) return [...ingress, ...externalIPs].join(",");
      return ingress.length > 0 ? ingress.join(",") : "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

function loadBalancerAddresses(service: Service): string[] {
  const addresses = new Set<string>();
  for (const entry of service.status?.loadBalancer?.ingress ?? []) {
    const address = entry.ip || entry.hostname;
    if (address) addresses.add(address);
  }
  // Go collects them in a sorted set; the server never clips them because it prints wide.
  return [...addresses].sort();
}
