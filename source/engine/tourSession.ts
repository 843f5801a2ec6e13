import { clusterActions, type Progress } from "../cluster/apply.ts";
import { type Cluster, connect } from "../cluster/connect.ts";
import { ClusterError } from "../cluster/errors.ts";
import { resolveTarget, type TargetOptions } from "../cluster/kubeconfig.ts";
import { manifestText, tourFiles } from "../cluster/manifests.ts";
import { paceQuery } from "../cluster/resources.ts";
import { type NamespaceWatch, watchNamespace, watchQueries } from "../cluster/watch.ts";
import { reduceAll } from "../model/reduceSnapshot.ts";
import { hostFor, roomSettings } from "../model/room.ts";
import { emptySnapshot, type GatewayAddress, type Snapshot, type SnapshotEvent } from "../model/snapshot.ts";
import { ANONYMOUS, STREAMS, streamUser } from "../model/streams.ts";
import { Sampler } from "../traffic/sampler.ts";
import type { TourFiles } from "../tutorial/files.ts";
import { STAGES } from "../tutorial/lessons.ts";
import type { ClusterActions } from "../tutorial/stage.ts";
import { deploymentsNeedingRestart, namespaceInjection } from "../tutorial/stages/inject.ts";
import { GatewayFinder } from "./gatewayFinder.ts";
import type { RunnerPort } from "./runner.ts";

export interface TourOptions extends TargetOptions {
  gatewayUrl?: string;
  /** `--host`: the Host to send to GATEWAY_URL and bind the Gateway to, over the workshop room's. */
  host?: string;
  /** Background samples of GATEWAY_URL/productpage per second (0: none). */
  sampleRate?: number;
  /** Per-request timeout of the sampler. */
  sampleTimeoutMs?: number;
  /** Called when the watch of a resource fails and is being retried. */
  onWatchError?: (error: ClusterError) => void;
  /** Whether a credential plugin may use the terminal (not while the tour's screen owns it). */
  pluginsMayPrompt?: boolean;
}

type Listener = (snapshot: Snapshot) => void;

/** What the restart key did: restarted, nothing to restart, or refused because it would not help. */
export type SidecarRestart =
  | { kind: "restarted"; lines: string[] }
  | { kind: "nothing" }
  /** The namespace does not ask for injection: restarted pods would come back without a sidecar. */
  | { kind: "not-labelled"; namespace: string };

/**
 * One tour on one cluster: keeps a Snapshot live from watches, samples GATEWAY_URL once it is
 * known, and runs stages. The UI and `run` are both views over it; nothing here prints.
 */
export class TourSession implements RunnerPort {
  readonly cluster: Cluster;
  #snapshot: Snapshot;
  #listeners = new Set<Listener>();
  #watch?: NamespaceWatch;
  /** One sampler per stream (model/streams.ts), all on the current GATEWAY_URL. */
  #samplers = new Map<string, Sampler>();
  /** What the samplers sample: GATEWAY_URL and the Host they send. */
  #samplerTarget?: string;
  #pace?: { key: string; watch: NamespaceWatch };
  #options: TourOptions;
  #stopped = false;
  #gateways: GatewayFinder;
  #manifests?: ReadonlyMap<string, string>;
  #files?: TourFiles;

  private constructor(cluster: Cluster, options: TourOptions) {
    this.cluster = cluster;
    this.#options = options;
    // A forward opening or closing changes GATEWAY_URL without any cluster event: look again.
    this.#gateways = new GatewayFinder(
      cluster,
      options.gatewayUrl,
      () => this.#apply([]),
      (error) =>
        options.onWatchError?.(
          error instanceof ClusterError
            ? error
            : cluster.explain(error, {
                verb: "create",
                resource: "pods/portforward",
                namespace: "istio-system",
              }),
        ),
    );
    const { context, namespace, server } = cluster.target;
    this.#snapshot = emptySnapshot(context, namespace, server);
  }

  /** Resolves the kubeconfig and checks the cluster answers; throws a ClusterError otherwise. */
  static async open(options: TourOptions): Promise<TourSession> {
    const cluster = connect(resolveTarget(options), process.env, {
      pluginsMayPrompt: options.pluginsMayPrompt,
    });
    try {
      await cluster.probe();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return new TourSession(cluster, options);
  }

  snapshot(): Snapshot {
    return this.#snapshot;
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the watches; resolves once the first lists are in. */
  async start(): Promise<void> {
    this.#watch = watchNamespace(
      this.cluster,
      this.cluster.target.namespace,
      (events) => this.#apply(events),
      {
        onError: (_resource, error) => this.#options.onWatchError?.(error),
      },
    );
    await this.#watch.ready;
  }

  /** The cluster's actions for one run, each reporting what it changed (kubectl's words) as it goes. */
  actions(progress: Progress = {}): ClusterActions {
    return clusterActions(this.cluster, this.cluster.target.namespace, () => this.#snapshot.istio, progress);
  }

  /**
   * `kubectl rollout restart` of the deployments whose pods lack the sidecar (the UI's `r`), so
   * they come back with it. Refused when the namespace does not ask for injection: the new pods
   * would start without the sidecar too, and the person would be told otherwise.
   */
  async restartForSidecar(progress: Progress = {}): Promise<SidecarRestart> {
    const snapshot = this.#snapshot;
    const names = deploymentsNeedingRestart(snapshot);
    if (names.length === 0) return { kind: "nothing" };
    const readable = snapshot.unreadable.namespace === undefined;
    if (readable && namespaceInjection(snapshot.namespaceObject).mode !== "sidecar")
      return { kind: "not-labelled", namespace: snapshot.namespace };
    return { kind: "restarted", lines: await this.actions(progress).restartDeployments(names) };
  }

  /** Where the tour's manifests are on disk, as the person can name them (the commands shown). */
  tourFiles(): TourFiles {
    this.#files ??= tourFiles();
    return this.#files;
  }

  /** The text of every manifest the stages apply, read once (the UI's YAML view). */
  manifestTexts(): ReadonlyMap<string, string> {
    if (!this.#manifests) {
      const texts = new Map<string, string>();
      for (const file of new Set(STAGES.flatMap((stage) => stage.manifests))) {
        try {
          texts.set(file, manifestText(file).text);
        } catch (error) {
          texts.set(file, `# cannot read manifests/${file}: ${(error as Error).message ?? error}`);
        }
      }
      this.#manifests = texts;
    }
    return this.#manifests;
  }

  /** Resolves with the snapshot once `predicate` holds, or with undefined after `timeoutMs`. */
  waitFor(predicate: (snapshot: Snapshot) => boolean, timeoutMs: number): Promise<Snapshot | undefined> {
    return new Promise((resolve) => {
      const done = (result: Snapshot | undefined) => {
        clearTimeout(timer);
        clearInterval(recheck);
        unsubscribe();
        resolve(result);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      // Conditions that depend on time (how long a failure lasted) need a look without events.
      const recheck = setInterval(() => {
        if (predicate(this.#snapshot)) done(this.#snapshot);
      }, 1_000);
      const unsubscribe = this.subscribe((snapshot) => {
        if (predicate(snapshot)) done(snapshot);
      });
      if (predicate(this.#snapshot)) done(this.#snapshot);
    });
  }

  /** Takes `count` samples now in each stream named (bounded concurrency each) and folds them in. */
  async burst(count: number, streams: string[] = [ANONYMOUS]): Promise<void> {
    await Promise.all(streams.map((stream) => this.#samplers.get(stream)?.burst(count)));
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.allSettled([
      this.#watch?.stop(),
      this.#pace?.watch.stop(),
      ...[...this.#samplers.values()].map((sampler) => sampler.stop()),
      this.#gateways.close(),
    ]);
    await this.cluster.close();
  }

  #apply(events: SnapshotEvent[]): void {
    if (this.#stopped) return;
    let next = reduceAll(this.#snapshot, [...events, { kind: "tick", now: Date.now() }]);
    const gateway = this.#gatewayOf(next);
    if (gateway?.url !== next.gateway?.url || gateway?.source !== next.gateway?.source) {
      next = reduceAll(next, [{ kind: "gateway", gateway }]);
    }
    const host = hostFor(next, this.#options.host);
    if (host !== next.host) next = reduceAll(next, [{ kind: "host", host }]);
    this.#snapshot = next;
    this.#followGateway(next.gateway, next.host);
    this.#followPace(next);
    for (const listener of [...this.#listeners]) listener(next);
  }

  /** A workshop room names where its pace is kept: watch that one ConfigMap, and follow it if it moves. */
  #followPace(snapshot: Snapshot): void {
    const ref = roomSettings(snapshot.roomConfig)?.pace ?? null;
    const key = ref ? `${ref.namespace}/${ref.name}` : undefined;
    if (key === this.#pace?.key) return;
    void this.#pace?.watch.stop();
    this.#pace = undefined;
    if (!ref || !key) {
      if (snapshot.roomPace)
        queueMicrotask(() => this.#apply([{ kind: "synced", resource: "roomPace", objects: [] }]));
      return;
    }
    const watch = watchQueries(this.cluster, [paceQuery(ref)], (events) => this.#apply(events), {
      // A room whose pace this user may not read shows none; that is not a problem to report.
      onError: () => {},
    });
    this.#pace = { key, watch };
  }

  #gatewayOf(snapshot: Snapshot): GatewayAddress | null {
    return this.#gateways.address(snapshot);
  }

  /** Samples the current GATEWAY_URL, restarting the sampler when the address or the Host changes. */
  #followGateway(gateway: GatewayAddress | null, host: string | null): void {
    const rate = this.#options.sampleRate ?? 0;
    const target = gateway ? `${gateway.url} ${host ?? ""}` : undefined;
    if (target === this.#samplerTarget) return;
    const previous = [...this.#samplers.values()];
    this.#samplers = new Map();
    this.#samplerTarget = target;
    for (const sampler of previous) void sampler.stop();
    if (!gateway) return;
    // Each stream at the full rate: the anonymous one is what the docs' reader sees, jason's is
    // what the rules matching his header change.
    for (const stream of STREAMS) {
      const user = streamUser(stream);
      const sampler = new Sampler({
        url: gateway.url,
        ratePerSecond: rate > 0 ? rate : 1,
        timeoutMs: this.#options.sampleTimeoutMs,
        stream,
        ...(user ? { user } : {}),
        ...(host ? { headers: { host } } : {}),
      });
      sampler.onSample((sample) => this.#apply([{ kind: "sample", sample }]));
      if (rate > 0) sampler.start();
      this.#samplers.set(stream, sampler);
    }
  }
}

export { ClusterError };
