import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn, WIDE } from "./table.ts";

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: {
      kubeletVersion?: string;
      osImage?: string;
      kernelVersion?: string;
      containerRuntimeVersion?: string;
    };
  };
}

const ROLE_LABEL_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

export const nodeColumns = [
  nameColumn,
  column("Status", "Ready or NotReady, and SchedulingDisabled when cordoned."),
  column("Roles", "Roles from the node-role.kubernetes.io/<role> labels."),
  ageColumn,
  column("Version", "Kubelet version."),
  column("Internal-IP", "The node's first InternalIP address.", WIDE),
  column("External-IP", "The node's first ExternalIP address.", WIDE),
  column("OS-Image", "Operating system image reported by the node.", WIDE),
  column("Kernel-Version", "Kernel version reported by the node.", WIDE),
  column("Container-Runtime", "Container runtime and its version.", WIDE),
];

export const nodePrinter: KindPrinter = {
  columns: nodeColumns,
  cells(object, now) {
    const node = object as Node;
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name ?? "",
      nodeStatus(node),
      nodeRoles(node),
      age(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

export function nodeStatus(node: Node): string {
  // Only the Ready condition counts; when several claim to be Ready, the last one wins.
  const ready = (node.status?.conditions ?? []).filter((c) => c.type === "Ready").at(-1);
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return [...roles].sort().join(",") || "<none>";
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address ?? "<none>";
}
