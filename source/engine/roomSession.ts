// The facilitator's room, live: one cluster-wide watch per kind, folded per attendee namespace by
// the tour's own reducer, and each attendee's product page sampled with their Host at one low
// rate shared by the room. It remembers since when each attendee has been on their stage; the
// stages themselves are always read from the cluster, as everywhere else.

import { type Cluster, connect } from "../cluster/connect.ts";
import type { ClusterError } from "../cluster/errors.ts";
import { ingressAddress } from "../cluster/ingress.ts";
import { resolveTarget, type TargetOptions } from "../cluster/kubeconfig.ts";
import { loadRoomEvents } from "../cluster/snapshot.ts";
import { type NamespaceWatch, watchRoom } from "../cluster/watch.ts";
import type { KubeObject } from "../model/kube.ts";
import {
  type AttendeeProgress,
  FACILITATOR_NAMESPACE,
  hostFor,
  lastChangeAt,
  paceConfigName,
  paceStage,
  type RoomState,
  roomSettings,
} from "../model/room.ts";
import { byPrefix, type NamespaceFilter, RoomFold } from "../model/roomFold.ts";
import type { Snapshot, SnapshotEvent } from "../model/snapshot.ts";
import { type PageTarget, RoomSampler, sampleEach } from "../traffic/roomSampler.ts";
import { nextPendingStage } from "../tutorial/lessons.ts";

export interface RoomOptions extends TargetOptions {
  /** The room's name: its namespaces start with it, and its pace is kept under it. */
  room: string;
  /** A label selector that picks the namespaces instead of the name prefix. */
  selector?: string;
  /** `--gateway-url`: every attendee's address (else each one's room setting, else detection). */
  gatewayUrl?: string;
  /** Each attendee's page is sampled once in this long. */
  sampleEveryMs: number;
  onWatchError?: (error: ClusterError) => void;
}

/** Pages taken at once after an attendee's routing changes, as the tour's evidence does. */
const EVIDENCE = 10;
/** Requests in flight while the first page of every attendee is fetched. */
const FIRST_PASS_CONCURRENCY = 8;

interface Progress {
  current: string | null;
  since: number | null;
  lastChange: number | null;
  /** resourceVersions of the attendee's objects: a relist that changes nothing keeps them. */
  versions: string;
  routing: string;
  routingSince: number;
}

export class RoomSession {
  readonly cluster: Cluster;
  readonly #options: RoomOptions;
  readonly #fold: RoomFold;
  readonly #progress = new Map<string, Progress>();
  readonly #listeners = new Set<(cluster: boolean) => void>();
  readonly #sampler: RoomSampler;
  readonly #bursting = new Set<string>();
  #watch?: NamespaceWatch;
  #entries = new Map<string, { snapshot: Snapshot; progress: Progress; entry: AttendeeProgress }>();
  #notify: NodeJS.Immediate | undefined;
  #clusterChanged = false;
  #stopped = false;
  /** Until every first list is in, attendees are not judged: half a room is not where it stands. */
  #synced = false;

  private constructor(cluster: Cluster, options: RoomOptions) {
    this.cluster = cluster;
    this.#options = options;
    this.#fold = new RoomFold(cluster.target, selectionOf(options));
    this.#sampler = new RoomSampler({ everyMs: options.sampleEveryMs });
    this.#sampler.onSample((namespace, sample) => {
      if (this.#fold.applyTo(namespace, [{ kind: "sample", sample }]))
        this.#track([namespace], Date.now(), true);
    });
  }

  static async open(options: RoomOptions): Promise<RoomSession> {
    const cluster = connect(resolveTarget(options), process.env, { pluginsMayPrompt: false });
    try {
      await cluster.probe();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return new RoomSession(cluster, options);
  }

  /** Starts the watches and the sampler; resolves once the first lists are in. */
  async start(): Promise<void> {
    this.#watch = watchRoom(this.cluster, (events) => this.#apply(events), {
      namespaceSelector: this.#options.selector,
      pace: { namespace: FACILITATOR_NAMESPACE, name: paceConfigName(this.#options.room) },
      onError: (_resource, error) => this.#options.onWatchError?.(error),
    });
    await this.#watch.ready;
    // One page of everyone first, so the first frame already shows who got through the stages
    // that traffic judges; the steady rate takes over from there.
    const targets = this.#initialTargets();
    const first = await sampleEach(targets, 1, { concurrency: FIRST_PASS_CONCURRENCY });
    if (this.#stopped) return;
    for (const [namespace, samples] of first)
      this.#fold.applyTo(
        namespace,
        samples.map((sample): SnapshotEvent => ({ kind: "sample", sample })),
      );
    this.#synced = true;
    this.#track(this.#fold.snapshots().keys(), Date.now());
    this.#sampler.setTargets(this.#targets());
    this.#sampler.start();
  }

  /**
   * `listener(cluster)` after each burst of changes: `cluster` when an attendee's objects, stage or
   * address moved, false when only samples came in (a screen may wait a little for those).
   */
  subscribe(listener: (cluster: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The room now; an attendee's entry is the same object until their snapshot or progress moves. */
  state(): RoomState {
    const attendees: AttendeeProgress[] = [];
    const entries = new Map<string, { snapshot: Snapshot; progress: Progress; entry: AttendeeProgress }>();
    for (const [namespace, snapshot] of this.#fold.snapshots()) {
      const progress = this.#progress.get(namespace);
      if (!progress) continue;
      const cached = this.#entries.get(namespace);
      const entry =
        cached && cached.snapshot === snapshot && cached.progress === progress
          ? cached.entry
          : {
              snapshot,
              stageSince: progress.since,
              lastChange: progress.lastChange,
              samplesSince: progress.routingSince,
            };
      entries.set(namespace, { snapshot, progress, entry });
      attendees.push(entry);
    }
    this.#entries = entries;
    return {
      room: this.#options.room,
      context: this.cluster.target.context,
      server: this.cluster.target.server,
      pace: paceStage(this.#fold.pace()),
      attendees,
    };
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#notify) clearImmediate(this.#notify);
    await Promise.allSettled([this.#watch?.stop(), this.#sampler.stop()]);
    await this.cluster.close();
  }

  #apply(events: SnapshotEvent[]): void {
    if (this.#stopped) return;
    const now = Date.now();
    const changed = this.#fold.apply(events, now);
    if (!this.#synced) return;
    if (changed.size === 0 && !events.some((e) => "resource" in e && e.resource === "roomPace")) return;
    this.#track(changed, now);
    this.#sampler.setTargets(this.#targets());
  }

  /**
   * Address and Host of each changed attendee, then since when they are on their stage. `samples`:
   * only samples came in, so what changed for the screen is at most a stage judged by traffic.
   */
  #track(namespaces: Iterable<string>, now: number, samples = false): void {
    let moved = !samples;
    const snapshots = this.#fold.snapshots();
    for (const namespace of namespaces) {
      let snapshot = snapshots.get(namespace);
      if (!snapshot) {
        this.#progress.delete(namespace);
        continue;
      }
      const gateway = ingressAddress(
        snapshot,
        this.#options.gatewayUrl,
        roomSettings(snapshot.roomConfig)?.gatewayUrl,
      );
      const host = hostFor(snapshot);
      if (
        gateway?.url !== snapshot.gateway?.url ||
        gateway?.source !== snapshot.gateway?.source ||
        host !== snapshot.host
      ) {
        this.#fold.applyTo(namespace, [
          { kind: "gateway", gateway },
          { kind: "host", host },
        ]);
        snapshot = this.#fold.snapshots().get(namespace) as Snapshot;
      }
      if (this.#follow(namespace, snapshot, now)) moved = true;
    }
    this.#changed(moved);
  }

  /** Updates the attendee's progress; true when their stage or objects moved. */
  #follow(namespace: string, snapshot: Snapshot, now: number): boolean {
    const before = this.#progress.get(namespace);
    const current = nextPendingStage(snapshot)?.id ?? null;
    const versions = versionsOf(snapshot);
    const routing = routingOf(snapshot);
    if (!before) {
      // First sight: the objects tell roughly when the attendee last did something.
      const last = lastChangeAt(snapshot);
      this.#progress.set(namespace, {
        current,
        since: last,
        lastChange: last,
        versions,
        routing,
        routingSince: 0,
      });
      return true;
    }
    if (before.current === current && before.versions === versions && before.routing === routing)
      return false;
    const next: Progress = {
      current,
      since: before.current === current ? before.since : now,
      lastChange: before.versions === versions ? before.lastChange : now,
      versions,
      routing,
      routingSince: before.routing === routing ? before.routingSince : now,
    };
    this.#progress.set(namespace, next);
    if (before.routing !== routing) void this.#evidence(namespace, snapshot);
    return true;
  }

  /** After a routing change, a few pages at once, so the stages judged by traffic catch up. */
  async #evidence(namespace: string, snapshot: Snapshot): Promise<void> {
    const target = targetOf(namespace, snapshot);
    if (!target || this.#bursting.has(namespace)) return;
    this.#bursting.add(namespace);
    try {
      await this.#sampler.burst(target, EVIDENCE);
    } finally {
      this.#bursting.delete(namespace);
    }
  }

  /** Before anyone is tracked: each attendee's address as their own tour would find it. */
  #initialTargets(): PageTarget[] {
    for (const [namespace, snapshot] of this.#fold.snapshots()) {
      this.#fold.applyTo(namespace, [
        {
          kind: "gateway",
          gateway: ingressAddress(
            snapshot,
            this.#options.gatewayUrl,
            roomSettings(snapshot.roomConfig)?.gatewayUrl,
          ),
        },
        { kind: "host", host: hostFor(snapshot) },
      ]);
    }
    return this.#targets();
  }

  #targets(): PageTarget[] {
    const targets: PageTarget[] = [];
    for (const [namespace, snapshot] of this.#fold.snapshots()) {
      const target = targetOf(namespace, snapshot);
      if (target) targets.push(target);
    }
    return targets;
  }

  /** Listeners hear of a burst of changes once, in the next turn of the event loop. */
  #changed(cluster: boolean): void {
    this.#clusterChanged ||= cluster;
    if (this.#notify || this.#stopped) return;
    this.#notify = setImmediate(() => {
      this.#notify = undefined;
      const urgent = this.#clusterChanged;
      this.#clusterChanged = false;
      for (const listener of [...this.#listeners]) listener(urgent);
    });
  }
}

/**
 * The room once, for `-o json` and a plain listing: one round of cluster-wide lists, `samples`
 * pages of each attendee whose address is known (as `status` takes), the same rows as the live
 * view. Since when each attendee has been on their stage is what their objects tell.
 */
export async function loadRoom(
  options: Omit<RoomOptions, "sampleEveryMs"> & { samples: number },
): Promise<RoomState> {
  const cluster = connect(resolveTarget(options), process.env, { pluginsMayPrompt: true });
  try {
    const pace = { namespace: FACILITATOR_NAMESPACE, name: paceConfigName(options.room) };
    const events = await loadRoomEvents(cluster, { namespaceSelector: options.selector, pace });
    const fold = new RoomFold(cluster.target, selectionOf(options));
    fold.apply(events, Date.now());
    const targets: PageTarget[] = [];
    for (const [namespace, snapshot] of fold.snapshots()) {
      const gateway = ingressAddress(
        snapshot,
        options.gatewayUrl,
        roomSettings(snapshot.roomConfig)?.gatewayUrl,
      );
      fold.applyTo(namespace, [
        { kind: "gateway", gateway },
        { kind: "host", host: hostFor(snapshot) },
      ]);
      const target = targetOf(namespace, fold.snapshots().get(namespace) as Snapshot);
      if (target) targets.push(target);
    }
    if (options.samples > 0)
      for (const [namespace, taken] of await sampleEach(targets, options.samples))
        fold.applyTo(
          namespace,
          taken.map((sample): SnapshotEvent => ({ kind: "sample", sample })),
        );
    const attendees = [...fold.snapshots().values()].map((snapshot): AttendeeProgress => {
      const last = lastChangeAt(snapshot);
      return { snapshot, stageSince: last, lastChange: last, samplesSince: 0 };
    });
    return {
      room: options.room,
      context: cluster.target.context,
      server: cluster.target.server,
      pace: paceStage(fold.pace()),
      attendees,
    };
  } finally {
    await cluster.close();
  }
}

function selectionOf(options: { room: string; selector?: string }): NamespaceFilter {
  // A label selector is applied by the server: whatever the namespaces' list returns is the room.
  return options.selector ? () => true : byPrefix(options.room);
}

function targetOf(namespace: string, snapshot: Snapshot): PageTarget | null {
  return snapshot.gateway ? { key: namespace, url: snapshot.gateway.url, host: snapshot.host } : null;
}

function versionsOf(snapshot: Snapshot): string {
  const ids = (objects: readonly KubeObject[]) =>
    objects.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).join(",");
  return [
    ids(snapshot.pods),
    ids(snapshot.deployments),
    ids(snapshot.services),
    ids(snapshot.gateways),
    ids(snapshot.virtualServices),
    ids(snapshot.destinationRules),
  ].join("|");
}

/** What decides where the attendee's requests go: their routing objects' specs, and the address. */
function routingOf(snapshot: Snapshot): string {
  const ids = (objects: readonly KubeObject[]) =>
    objects.map((o) => `${o.metadata.name}@${o.metadata.generation ?? o.metadata.resourceVersion}`).join(",");
  return [
    snapshot.gateway?.url ?? "",
    snapshot.host ?? "",
    ids(snapshot.gateways),
    ids(snapshot.virtualServices),
    ids(snapshot.destinationRules),
  ].join("|");
}
