import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Pod } from "../kube.ts";
import { shutdownLines, startupLines } from "../logs/appLines.ts";
import {
  exitCodeOnStop,
  initRunSeconds,
  isPreloaded,
  normalizeImage,
  pullSeconds,
  readySeconds,
} from "./images.ts";
import { PodIPs } from "./ipam.ts";
import { KEY, objectKey, PODS, splitKey } from "./kinds.ts";
import { type ContainerRun, HOST_IP, newRun, type PodRun, renderStatus } from "./podRun.ts";
import { isTerminal } from "./podState.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

/**
 * What the kubelet tells the rest of the sandbox about pods on its node: `ready` once every
 * container passed its readiness check, `stopped` once its containers were killed (or the pod
 * vanished). The data plane attaches here to start and stop serving a pod's traffic.
 */
export interface KubeletEvents {
  ready: [pod: Pod];
  stopped: [pod: Pod];
}

// Seconds at speed 1 between the kubelet seeing a pod and its sandbox (network namespace, IP)
// being up, and between an image being present and its container running.
const SANDBOX_SECONDS = 0.5;
const CREATE_SECONDS = 0.3;
// SIGTERM to exit: the sidecar drains for a moment longer than a bare app.
const STOP_SECONDS = 1;
const STOP_WITH_PROXY_SECONDS = 1.5;

const containerID = () => `containerd://${randomBytes(32).toString("hex")}`;

/** Go's time.Duration as %v prints it: 812ms, 2.5s, 1m4s. */
function goDuration(seconds: number): string {
  if (seconds < 1) return `${Number((seconds * 1000).toFixed(3))}ms`;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  return `${Math.floor(seconds / 60)}m${Number((seconds % 60).toFixed(3))}s`;
}

/** A stable size per image, in the range Bookinfo's images have. */
function imageSize(image: string): number {
  let hash = 0;
  for (const char of image) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 60_000_000 + (hash % 180_000_000);
}

/**
 * The sandbox node's kubelet. Only pods bound to this node are touched: each is walked through
 * sandbox creation, init containers, image pulls, container start and readiness, with delays
 * divided by the speed; on deletion its containers are stopped within the grace period and the
 * pod is then removed, as the real kubelet's status manager does.
 */
export function startKubelet(rt: Runtime): EventEmitter<KubeletEvents> {
  const events = new EventEmitter<KubeletEvents>();
  const queue = rt.queue("kubelet", reconcile);
  const { store, objects } = rt;
  const runs = new Map<string, PodRun>();
  const ips = new PodIPs(store);
  /** Image reference -> wall-clock ms when its pull finishes (or finished). */
  const pulls = new Map<string, number>();
  /** How each container got its image: present already, or pulled (wall-clock ms). */
  const pullsOf = new WeakMap<
    ContainerRun,
    { present: boolean; requested: number; started: number; done: number }
  >();

  const onNode = (pod: Pod | undefined) => pod?.spec?.nodeName === rt.nodeName;
  rt.watch((event) => {
    if (event.resource !== KEY.pods) return;
    const key = objectKey(event.object.metadata.namespace, event.object.metadata.name);
    if (onNode(event.object as Pod) || onNode(event.previous as Pod | undefined) || runs.has(key))
      queue.add(key);
  });
  for (const pod of store.peek(KEY.pods)) {
    if (onNode(pod as Pod)) queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
  }

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = store.get(KEY.pods, namespace, name) as Pod | undefined;
    let run = runs.get(key);
    if (run && (!pod || !onNode(pod) || pod.metadata.uid !== run.uid)) {
      forget(run);
      run = undefined;
    }
    if (!pod || !onNode(pod)) return;
    if (!run) {
      // A finished pod from before this kubelet started has nothing left to run.
      if (isTerminal(pod) && !pod.metadata.deletionTimestamp) return;
      run = newRun(pod, key, rt.timestamp());
      runs.set(key, run);
      if (!pod.metadata.deletionTimestamp) {
        publish(run);
        const started = run;
        step(run, SANDBOX_SECONDS, () => startSandbox(started));
      }
    }
    if (pod.metadata.deletionTimestamp && !run.stopping) beginStop(run, pod);
  }

  /** Replace the run's pending step: a pod does one thing at a time. */
  function step(run: PodRun, seconds: number, next: () => void): void {
    run.cancel?.();
    const cancel = rt.after(seconds, () => {
      if (run.cancel === cancel) run.cancel = undefined;
      if (runs.get(run.key) === run) next();
    });
    run.cancel = cancel;
  }

  function startSandbox(run: PodRun): void {
    run.sandboxReady = true;
    run.podIP = run.hostNetwork ? HOST_IP : ips.allocate();
    publish(run);
    runInit(run, 0);
  }

  function runInit(run: PodRun, index: number): void {
    const c = run.init[index];
    if (!c) {
      step(run, Math.max(0, ...run.app.map((a) => pullWait(run, a))) + CREATE_SECONDS, () => startApps(run));
      return;
    }
    step(run, pullWait(run, c) + CREATE_SECONDS, () => {
      start(run, c);
      const pod = publish(run);
      if (pod) printed(pod, c, startupLines(pod, c.spec, new Date(), rt.istioVersion));
      step(run, initRunSeconds(c.spec), () => {
        c.state = "terminated";
        c.exitCode = 0;
        c.reason = "Completed";
        c.finishedAt = rt.timestamp();
        // A completed init container counts as ready and no longer started, as kubelet reports.
        c.ready = true;
        c.started = false;
        publish(run);
        runInit(run, index + 1);
      });
    });
  }

  function start(run: PodRun, c: ContainerRun): void {
    const pull = pullsOf.get(c);
    if (pull?.present)
      containerEvent(run, c, "Pulled", `Container image "${c.spec.image}" already present on machine`);
    else if (pull) {
      const seconds = ((pull.done - pull.started) * rt.speed) / 1000;
      const waited = ((Date.now() - pull.requested) * rt.speed) / 1000;
      containerEvent(
        run,
        c,
        "Pulled",
        `Successfully pulled image "${c.spec.image}" in ${goDuration(seconds)} (${goDuration(Math.max(seconds, waited))} including waiting). Image size: ${imageSize(c.spec.image ?? "")} bytes.`,
      );
    }
    containerEvent(run, c, "Created", `Created container: ${c.spec.name}`);
    containerEvent(run, c, "Started", `Started container ${c.spec.name}`);
    c.state = "running";
    c.reason = undefined;
    c.containerID = containerID();
    c.startedAt = rt.timestamp();
    // With a startup probe, `started` waits for it; the sidecar's passes with readiness.
    c.started = c.spec.startupProbe === undefined;
  }

  function startApps(run: PodRun): void {
    const now = Date.now();
    for (const c of run.app) {
      start(run, c);
      c.readyAt = now + (readySeconds(c.spec) * 1000) / rt.speed;
    }
    const pod = publish(run);
    if (pod) for (const c of run.app) printed(pod, c, startupLines(pod, c.spec, new Date(), rt.istioVersion));
    awaitReadiness(run);
  }

  function awaitReadiness(run: PodRun): void {
    const pending = run.app.filter((c) => !c.ready && c.readyAt !== undefined);
    if (!pending.length) return;
    const next = Math.min(...pending.map((c) => c.readyAt ?? 0));
    step(run, (Math.max(0, next - Date.now()) * rt.speed) / 1000, () => {
      const now = Date.now();
      for (const c of pending) {
        if ((c.readyAt ?? Infinity) <= now + 1) {
          c.ready = true;
          c.started = true;
        }
      }
      const pod = publish(run);
      if (run.app.every((c) => c.ready) && !run.announcedReady && pod) {
        run.announcedReady = true;
        announce("ready", pod);
      }
      awaitReadiness(run);
    });
  }

  /**
   * Seconds (simulated) until the container's image is on the node, starting its pull if
   * needed, and kubelet's event saying which it is.
   */
  function pullWait(run: PodRun, c: ContainerRun): number {
    const image = c.spec.image ?? "";
    const now = Date.now();
    const ref = normalizeImage(image);
    let done = isPreloaded(image) ? now : pulls.get(ref);
    const present = done !== undefined && done <= now;
    if (done === undefined) {
      done = now + (pullSeconds(image) * 1000) / rt.speed;
      pulls.set(ref, done);
    }
    if (!pullsOf.has(c)) {
      pullsOf.set(c, { present, requested: now, started: now, done });
      // A pull is announced as it starts; an image already there, when its container's turn comes.
      if (!present) containerEvent(run, c, "Pulling", `Pulling image "${image}"`);
    }
    return (Math.max(0, done - now) * rt.speed) / 1000;
  }

  /** An event about one container of the pod, as the kubelet records it. */
  function containerEvent(run: PodRun, c: ContainerRun, reason: string, message: string): void {
    const pod = run.lastPod;
    if (!pod) return;
    const list = run.init.includes(c) ? "initContainers" : "containers";
    rt.events.record(
      { ...pod, apiVersion: "v1", kind: "Pod" },
      { type: "Normal", reason, message, fieldPath: `spec.${list}{${c.spec.name}}` },
      { component: "kubelet", host: rt.nodeName },
    );
  }

  function beginStop(run: PodRun, pod: Pod): void {
    run.stopping = true;
    run.cancel?.();
    run.cancel = undefined;
    for (const c of [...run.init, ...run.app])
      if (c.state === "running") containerEvent(run, c, "Killing", `Stopping container ${c.spec.name}`);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    const running = [...run.init, ...run.app].some((c) => c.state === "running");
    const wanted = !running
      ? 0.1
      : run.app.some((c) => c.spec.name === "istio-proxy")
        ? STOP_WITH_PROXY_SECONDS
        : STOP_SECONDS;
    step(run, Math.min(grace, wanted), () => kill(run));
  }

  function kill(run: PodRun): void {
    const now = rt.timestamp();
    const wasRunning = run.app.some((c) => c.state === "running");
    for (const c of [...run.init, ...run.app]) {
      if (c.state === "terminated") continue;
      if (c.state === "running" && run.lastPod) {
        printed(run.lastPod, c, shutdownLines(c.spec, new Date()));
        rt.logs?.ended(run.uid, c.spec.name);
      }
      if (c.state === "running") {
        c.exitCode = exitCodeOnStop(c.spec);
        c.reason = c.exitCode === 0 ? "Completed" : "Error";
      } else {
        // Never started: the kubelet has no container to report on.
        c.exitCode = 137;
        c.reason = "ContainerStatusUnknown";
        c.message = "The container could not be located when the pod was terminated";
      }
      c.state = "terminated";
      c.finishedAt = now;
      c.ready = false;
      c.started = false;
    }
    run.stopped = true;
    run.sandboxReady = false;
    const pod = publish(run);
    if (wasRunning && pod) announce("stopped", pod);
    // Deleted only once the API shows the terminal phase, as the kubelet's status manager does.
    step(run, 0.05, () => {
      objects.delete(PODS, run.namespace, run.name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: run.uid },
      });
    });
  }

  /** What a container wrote to its stdout, into the node's container logs. */
  function printed(pod: Pod, c: ContainerRun, lines: string[]): void {
    if (lines.length) rt.logs?.write(pod, c.spec.name, lines.join("\n"));
  }

  function forget(run: PodRun): void {
    run.cancel?.();
    run.cancel = undefined;
    runs.delete(run.key);
    // kubelet removes a deleted pod's logs with its containers.
    rt.logs?.forget(run.uid);
    const started = run.app.some((c) => c.state === "running");
    if (started && !run.stopped && run.lastPod) announce("stopped", run.lastPod);
  }

  /** Writes the status rendered from the run; returns the pod as stored, or undefined if it is gone. */
  function publish(run: PodRun): Pod | undefined {
    const pod = store.get(KEY.pods, run.namespace, run.name) as Pod | undefined;
    if (!pod || pod.metadata.uid !== run.uid) return undefined;
    const status = renderStatus(pod, run, rt.timestamp());
    if (canonicalJson(status) === canonicalJson(pod.status ?? {})) {
      run.lastPod = pod;
      return pod;
    }
    const written = objects.update(
      PODS,
      run.namespace,
      run.name,
      { ...pod, status },
      { manager: "kubelet", subresource: "status" },
    ) as Pod;
    run.lastPod = written;
    return written;
  }

  function announce(event: keyof KubeletEvents, pod: Pod): void {
    try {
      events.emit(event, pod);
    } catch (error) {
      process.emitWarning(`sandbox kubelet ${event} listener failed: ${(error as Error).message}`);
    }
  }

  return events;
}
