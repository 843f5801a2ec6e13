// Where the routing stands in the tutorial. Each routing stage leaves reviews and ratings in a
// state of its own (jason to v2; a delay for jason; 50/50 to v3; ...), and the later ones
// replace what the earlier ones wrote, so a stage cannot be judged alone: route-v1's "all to
// v1" is gone once the canary runs, yet the tour has moved on, not back. The cluster says which
// state it is in (read through the dialect, so Istio's own sample files applied by hand count
// alike); stages before it are passed, the stage whose state it is is judged by its samples,
// and later ones are still to come.

import type { ServiceRouting, StreamRouting } from "../../model/reviewsRouting.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON } from "../../model/streams.ts";
import type { RoutingStep } from "./dialect.ts";
import { dialectFor } from "./istio.ts";

export const ROUTING_STEPS: RoutingStep[] = [
  "route-v1",
  "route-jason",
  "fault-delay",
  "fault-abort",
  "canary-50",
  "canary-100",
  "timeout",
  "cleanup",
];

/** The routing the lesson is about, for both streams. */
export interface LessonRouting {
  anonymous: StreamRouting;
  jason: StreamRouting;
  cleanedUp: boolean;
}

const memo = new WeakMap<Snapshot, { routing: LessonRouting; position: RoutingStep | null }>();

function read(snapshot: Snapshot): { routing: LessonRouting; position: RoutingStep | null } {
  let known = memo.get(snapshot);
  if (!known) {
    const dialect = dialectFor(snapshot);
    const routing = {
      anonymous: dialect.streamRouting(snapshot, ANONYMOUS),
      jason: dialect.streamRouting(snapshot, JASON),
      cleanedUp: dialect.cleanedUp(snapshot),
    };
    // The last step whose state holds: the timeout stage's rules may sit on a weighted split.
    const position = [...ROUTING_STEPS].reverse().find((step) => HOLDS[step](routing)) ?? null;
    known = { routing, position };
    memo.set(snapshot, known);
  }
  return known;
}

export function lessonRouting(snapshot: Snapshot): LessonRouting {
  return read(snapshot).routing;
}

/** The routing step whose state the cluster is in, or null when it is in none of them. */
export function routingPosition(snapshot: Snapshot): RoutingStep | null {
  return read(snapshot).position;
}

/** Where a step is relative to the cluster's state: passed, current, still ahead, or off (no state holds). */
export function stepStanding(step: RoutingStep, snapshot: Snapshot): "passed" | "current" | "ahead" | "off" {
  const position = routingPosition(snapshot);
  if (position === null) return "off";
  const at = ROUTING_STEPS.indexOf(position);
  const mine = ROUTING_STEPS.indexOf(step);
  return mine < at ? "passed" : mine === at ? "current" : "ahead";
}

// What each step's state is, in terms of traffic: which version each stream gets, and what
// faults and timeouts sit on its way.
const only = (routing: StreamRouting, outcome: string) => (routing.shares?.[outcome] ?? 0) >= 0.999;
const noTimeout = (routing: StreamRouting) => routing.reviews.timeoutMs === null;
const calm = (routing: ServiceRouting) => routing.fault === null && routing.timeoutMs === null;
const ratingsCalm = (routing: StreamRouting) => calm(routing.ratings.v2) && calm(routing.ratings.v3);
const split = (routing: StreamRouting) =>
  Object.entries(routing.shares ?? {}).filter(([outcome, share]) => outcome !== "unavailable" && share > 0)
    .length >= 2;
const byUser = (r: LessonRouting) => only(r.jason, "v2") && only(r.anonymous, "v1");
const allV1 = (r: LessonRouting) =>
  only(r.anonymous, "v1") &&
  only(r.jason, "v1") &&
  noTimeout(r.anonymous) &&
  noTimeout(r.jason) &&
  ratingsCalm(r.anonymous) &&
  ratingsCalm(r.jason);

/** Every state of the lesson is written as rules for reviews; the Service's own spread is none of them. */
const ruled = (r: LessonRouting) => r.anonymous.reviews.kind === "rule" && r.jason.reviews.kind === "rule";

const STATES: Record<RoutingStep, (r: LessonRouting) => boolean> = {
  "route-v1": (r) => allV1(r) && !r.cleanedUp,
  "route-jason": (r) => byUser(r) && noTimeout(r.jason) && ratingsCalm(r.jason) && ratingsCalm(r.anonymous),
  "fault-delay": (r) =>
    byUser(r) &&
    r.jason.ratings.v2.fault?.delay !== undefined &&
    r.jason.ratings.v2.fault.abort === undefined,
  "fault-abort": (r) => byUser(r) && r.jason.ratings.v2.fault?.abort !== undefined,
  "canary-50": (r) => split(r.anonymous) && noTimeout(r.anonymous),
  "canary-100": (r) => only(r.anonymous, "v3") && only(r.jason, "v3") && noTimeout(r.anonymous),
  timeout: (r) => r.anonymous.reviews.timeoutMs !== null && r.jason.reviews.timeoutMs !== null,
  cleanup: (r) => allV1(r) && r.cleanedUp,
};

const HOLDS = Object.fromEntries(
  ROUTING_STEPS.map((step) => [step, (r: LessonRouting) => ruled(r) && STATES[step](r)]),
) as Record<RoutingStep, (r: LessonRouting) => boolean>;
