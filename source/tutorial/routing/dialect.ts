// The seam between the routing stages and the API they write in. A stage says what it wants in
// terms of traffic (jason to v2, everyone else to v1; 50 % to v3) and is judged by what each
// stream is configured to get and what it measurably gets; which objects express that is the
// dialect's business. Istio's VirtualServices and DestinationRules are the one dialect today;
// another (Gateway API HTTPRoutes to per-version Services) is one more implementation of this
// interface, with its own manifests, and no stage changes.

import type { KubeObject } from "../../model/kube.ts";
import type { StreamRouting } from "../../model/reviewsRouting.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import type { StageParameters } from "../stage.ts";

/** The routing steps of the tutorial, in order; each is one stage. */
export type RoutingStep =
  | "route-v1"
  | "route-jason"
  | "fault-delay"
  | "fault-abort"
  | "canary-50"
  | "canary-100"
  | "timeout"
  | "cleanup";

export interface RoutingDialect {
  name: string;
  /** Files under manifests/ the step applies, in the order they must be applied. */
  files(step: RoutingStep): string[];
  /** The step's objects as the person chose (weights, a delay); identity when nothing was chosen. */
  edit(step: RoutingStep, parameters: StageParameters): ((object: KubeObject) => KubeObject) | undefined;
  /** What the person would type to take the step by hand. */
  commands(step: RoutingStep, snapshot: Snapshot): string[];
  /** What the cluster configures for one stream, whoever wrote the objects. */
  streamRouting(snapshot: Snapshot, stream: string): StreamRouting;
  /** Whether the routing carries the mark the cleanup step leaves (it looks like route-v1 otherwise). */
  cleanedUp(snapshot: Snapshot): boolean;
  /** The file a person applies to get the subsets the routes name, for fixes. */
  subsetsFile: string;
}
