import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { joinHostPort } from "./format.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

interface EndpointSubset {
  addresses?: { ip: string }[];
  notReadyAddresses?: { ip: string }[];
  ports?: { name?: string; port: number; protocol?: string }[];
}

export interface Endpoints extends KubeObject {
  subsets?: EndpointSubset[];
}

// kubectl shows the first three addresses and counts the rest.
const SHOWN = 3;

export const endpointsColumns = [
  nameColumn,
  column("Endpoints", "Ready addresses with their ports."),
  ageColumn,
];

export const endpointsPrinter: KindPrinter = {
  columns: endpointsColumns,
  cells(object, now) {
    const endpoints = object as Endpoints;
    return [
      endpoints.metadata.name ?? "",
      formatEndpoints(endpoints.subsets),
      age(endpoints.metadata.creationTimestamp, now),
    ];
  },
};

/** ENDPOINTS: "10.244.0.5:9080", or "a:1,b:1,c:1 + 2 more..." past three. Not-ready addresses never show. */
export function formatEndpoints(subsets: EndpointSubset[] | undefined): string {
  if (!subsets || subsets.length === 0) return "<none>";
  const shown: string[] = [];
  let count = 0;
  for (const subset of subsets) {
    const addresses = subset.addresses ?? [];
    // A headless service may have no ports: then the bare IPs are listed.
    const targets = subset.ports?.length
      ? subset.ports.flatMap((port) => addresses.map((a) => joinHostPort(a.ip, port.port)))
      : addresses.map((a) => a.ip);
    count += targets.length;
    for (const target of targets) {
      if (shown.length === SHOWN) break;
      shown.push(target);
    }
  }
  const text = shown.join(",");
  return count > SHOWN ? `${text} + ${count - SHOWN} more...` : text;
}
