import { age, parseKubeTime } from "../age.ts";
import type { KubeObject } from "../kube.ts";
import { column, type KindPrinter, WIDE } from "./table.ts";

export interface Event extends KubeObject {
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
}

export const eventColumns = [
  column("Last Seen", "Time since the event was last seen."),
  column("Type", "Normal or Warning."),
  column("Reason", "Short machine-readable reason."),
  column("Object", "The object the event is about, as kind/name."),
  column("Subobject", "The part of the object, e.g. a container.", WIDE),
  column("Source", "The component that reported the event.", WIDE),
  column("Message", "Human-readable description."),
  column("First Seen", "Time since the event was first seen.", WIDE),
  column("Count", "How many times the event happened.", WIDE),
  column("Name", "Name of the Event object.", { ...WIDE, format: "name" }),
];

export const eventPrinter: KindPrinter = {
  columns: eventColumns,
  cells(object, now) {
    const event = object as Event;
    // Events written through events.k8s.io carry eventTime and series instead of the old fields.
    const firstSeen = age(isSet(event.firstTimestamp) ? event.firstTimestamp : event.eventTime, now);
    let lastSeen = isSet(event.lastTimestamp) ? age(event.lastTimestamp, now) : firstSeen;
    let count = event.count ?? 0;
    if (event.series) {
      lastSeen = age(event.series.lastObservedTime, now);
      count = event.series.count ?? 0;
    } else if (count === 0) {
      count = 1;
    }
    return [
      lastSeen,
      event.type ?? "",
      event.reason ?? "",
      eventTarget(event),
      event.involvedObject?.fieldPath ?? "",
      eventSource(event),
      (event.message ?? "").trim(),
      firstSeen,
      count,
      event.metadata.name ?? "",
    ];
  },
};

function isSet(timestamp: string | null | undefined): boolean {
  return parseKubeTime(timestamp) !== undefined;
}

function eventTarget(event: Event): string {
  const kind = (event.involvedObject?.kind ?? "").toLowerCase();
  const name = event.involvedObject?.name;
  return name ? `${kind}/${name}` : kind;
}

function eventSource(event: Event): string {
  const component = event.source?.component || event.reportingComponent || "";
  const host = event.source?.host || event.reportingInstance || "";
  return host ? `${component}, ${host}` : component;
}
