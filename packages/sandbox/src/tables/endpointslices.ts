import { age } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { ageColumn, column, type KindPrinter, nameColumn } from "./table.ts";

interface EndpointSlice extends KubeObject {
  addressType?: string;
  ports?: { name?: string | null; port?: number | null }[] | null;
  endpoints?: { addresses?: string[] }[] | null;
}

// The API server shows three entries and counts the rest.
const SHOWN = 3;

export const endpointSliceColumns = [
  nameColumn,
  column("AddressType", "addressType specifies the type of address carried by this EndpointSlice."),
  column("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice."),
  column("Endpoints", "endpoints is a list of unique endpoints in this slice."),
  ageColumn,
];

/** "a,b,c + 2 more...", or "<unset>" when there is nothing at all. */
function listWithMore(items: string[]): string {
  const text = items.slice(0, SHOWN).join(",");
  if (items.length > SHOWN) return `${text} + ${items.length - SHOWN} more...`;
  return text === "" ? "<unset>" : text;
}

/** PORTS: each port's number, its name when it has none, "*" with neither. */
export const formatSlicePorts = (ports: EndpointSlice["ports"]): string =>
  listWithMore(
    (ports ?? []).map((p) => (typeof p.port === "number" ? String(p.port) : p.name ? p.name : "*")),
  );

/** ENDPOINTS: every address of every endpoint, ready or not. */
export const formatSliceEndpoints = (endpoints: EndpointSlice["endpoints"]): string =>
  listWithMore((endpoints ?? []).flatMap((e) => e.addresses ?? []));

export const endpointSlicePrinter: KindPrinter = {
  columns: endpointSliceColumns,
  cells(object, now) {
    const slice = object as EndpointSlice;
    return [
      slice.metadata.name ?? "",
      slice.addressType ?? "",
      formatSlicePorts(slice.ports),
      formatSliceEndpoints(slice.endpoints),
      age(slice.metadata.creationTimestamp, now),
    ];
  },
};
