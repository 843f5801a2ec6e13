// One row per attendee for the facilitator: where each of them stands, from their snapshot alone
// (the same stage checks `status` runs), so the live view, `workshop -o json` and the plain
// listing say the same. Pure: the session says since when each stage has been current.

import { humanDuration } from "../model/age.ts";
import { podRow } from "../model/podRow.ts";
import { type AttendeeProgress, type RoomState, roomSettings } from "../model/room.ts";
import type { Sample } from "../model/snapshot.ts";
import { lessonOf, stageChecks } from "../tutorial/lessons.ts";
import type { StageId, StageState } from "../tutorial/stage.ts";
import { latestFinding, type RoomFinding } from "./roomFinding.ts";
import { lessonsBegun } from "./statusReport.ts";
import { formatTable } from "./table.ts";

/** The reviews split is measured over at most this many of the latest pages. */
export const SPLIT_WINDOW = 20;

export interface RoomRow {
  namespace: string;
  /** The Host the attendee's Gateway binds, when the room gives one. */
  host: string | null;
  stages: {
    id: StageId;
    lesson: string;
    title: string;
    state: StageState;
    detail: string;
    /** Set when nothing of the stage is in the cluster yet (a later lesson not begun). */
    notApplied?: true;
  }[];
  /** The first stage not done (where the attendee is); null once every stage is done. */
  current: StageId | null;
  /** Since when `current` has been the current stage, and for how long (seconds). */
  since: string | null;
  forSeconds: number | null;
  pods: { ready: number; total: number; withoutSidecar: number };
  /** Percent of the latest pages per reviews version; null before any page showed one. */
  reviews: { pages: number; v1: number; v2: number; v3: number } | null;
  finding: RoomFinding | null;
  lastChange: string | null;
}

export interface RoomReport {
  room: string;
  context: string;
  server: string;
  /** Where the facilitator says the room should be (`workshop pace`). */
  pace: string | null;
  attendees: RoomRow[];
}

export interface RowInput extends Omit<AttendeeProgress, "samplesSince"> {
  samplesSince?: number;
  now: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z"));

export function roomRow(input: RowInput): RoomRow {
  const { snapshot, now } = input;
  const checks = stageChecks(snapshot);
  const stages = checks.map(({ stage, check }) => ({
    id: stage.id,
    lesson: lessonOf(stage.id).id,
    title: stage.title,
    state: check.state,
    detail: check.detail,
    ...(check.notApplied ? { notApplied: true as const } : {}),
  }));
  // Where the attendee is: the first stage not done of a lesson they have begun.
  const begun = lessonsBegun(stages);
  const current = stages.find((s) => s.state !== "done" && begun.has(s.lesson))?.id ?? null;
  const rows = snapshot.pods.map((pod) => podRow(pod, now));
  const ready = snapshot.pods.filter((pod) =>
    pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  ).length;
  const since = current === null ? null : input.stageSince;
  return {
    namespace: snapshot.namespace,
    host: snapshot.host ?? roomSettings(snapshot.roomConfig)?.host ?? null,
    stages,
    current,
    since: iso(since),
    forSeconds: since === null ? null : Math.max(0, Math.round((now - since) / 1000)),
    pods: { ready, total: rows.length, withoutSidecar: rows.filter((r) => !r.sidecar).length },
    reviews: split(snapshot.samples.filter((s) => s.at >= (input.samplesSince ?? 0))),
    finding: latestFinding(snapshot),
    lastChange: iso(input.lastChange),
  };
}

function split(samples: readonly Sample[]): RoomRow["reviews"] {
  const pages = samples.filter((s) => s.code === 200 && s.version !== undefined).slice(-SPLIT_WINDOW);
  if (pages.length === 0) return null;
  const percent = (version: string) =>
    Math.round((pages.filter((s) => s.version === version).length / pages.length) * 100);
  return { pages: pages.length, v1: percent("v1"), v2: percent("v2"), v3: percent("v3") };
}

/**
 * The rows of a room, worked out again only for attendees whose snapshot or progress moved (a
 * cache by their identity); the time on a stage is brought up to `now` every time.
 */
export class RoomRows {
  #cache = new WeakMap<AttendeeProgress, RoomRow>();

  report(state: RoomState, now = Date.now()): RoomReport {
    const attendees = state.attendees.map((progress) => {
      let row = this.#cache.get(progress);
      if (!row) {
        row = roomRow({ ...progress, now });
        this.#cache.set(progress, row);
      }
      return row.since === null ? row : { ...row, forSeconds: secondsSince(row.since, now) };
    });
    return { room: state.room, context: state.context, server: state.server, pace: state.pace, attendees };
  }
}

const secondsSince = (iso: string, now: number) => Math.max(0, Math.round((now - Date.parse(iso)) / 1000));

/**
 * Whoever has been on their stage longest first (they are the ones to help), then those whose
 * time on it is not known, then everyone who is done; by namespace within each.
 */
export function sortRows(rows: readonly RoomRow[]): RoomRow[] {
  const group = (row: RoomRow) => (row.current === null ? 2 : row.forSeconds === null ? 1 : 0);
  return [...rows].sort(
    (a, b) =>
      group(a) - group(b) ||
      (b.forSeconds ?? 0) - (a.forSeconds ?? 0) ||
      a.namespace.localeCompare(b.namespace, "en", { numeric: true }),
  );
}

/** Only the attendees at `stage` (`done`: those who finished). */
export function atStage(rows: readonly RoomRow[], stage: StageId | "done" | undefined): RoomRow[] {
  if (!stage) return [...rows];
  return rows.filter((row) => (stage === "done" ? row.current === null : row.current === stage));
}

const MARKS: Record<StageState, string> = { done: "✓", pending: "○", failed: "✗" };

/** The row's cells, shared by the plain listing and the screen. */
export function rowCells(row: RoomRow, marks: Record<StageState, string> = MARKS): string[] {
  const reviews = row.reviews ? `v1 ${row.reviews.v1}% v2 ${row.reviews.v2}% v3 ${row.reviews.v3}%` : "-";
  return [
    row.namespace,
    // The lessons begun only: a later lesson nobody started would be a row of empty marks.
    row.stages
      .filter((s) => lessonsBegun(row.stages).has(s.lesson))
      .map((s) => marks[s.state])
      .join(""),
    row.current ?? "done",
    row.forSeconds === null ? "-" : humanDuration(row.forSeconds * 1000),
    `${row.pods.ready}/${row.pods.total}`,
    String(row.pods.withoutSidecar),
    reviews,
    row.finding ? `${row.finding.code} ${row.finding.message}` : "-",
    row.lastChange ? clock(row.lastChange) : "-",
  ];
}

export const ROW_HEADER = [
  "NAMESPACE",
  "STAGES",
  "AT",
  "FOR",
  "PODS",
  "NO SIDECAR",
  "REVIEWS",
  "FINDING",
  "CHANGED",
];

/** HH:MM:SS in local time, as a person reads the time of a change. */
export function clock(timestamp: string): string {
  const date = new Date(timestamp);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** `workshop` without a terminal: a heading and the rows, once. */
export function roomText(report: RoomReport): string {
  const pace = report.pace ? `; the room is at: ${report.pace}` : "";
  const count = report.attendees.length;
  const lines = [
    `Room ${report.room} on context ${report.context} (${report.server}): ${count} attendee${count === 1 ? "" : "s"}${pace}`,
    "",
  ];
  if (count === 0) lines.push(`No attendee namespaces found for room ${report.room}.`);
  else
    lines.push(
      ...formatTable(
        ROW_HEADER,
        report.attendees.map((row) => rowCells(row)),
      ),
    );
  return `${lines.join("\n")}\n`;
}
