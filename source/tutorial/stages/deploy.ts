import type { ContainerStatus, Pod } from "../../model/kube.ts";
import { podRow } from "../../model/podRow.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import {
  BOOKINFO_DEPLOYMENTS,
  deploymentNamed,
  desiredReplicas,
  isReady,
  listNames,
  plural,
  podsOfDeployment,
  SAMPLES,
} from "../bookinfo.ts";
import { type Fix, fix } from "../fix.ts";
import type { Stage, StageCheck, StageContext } from "../stage.ts";

// Pod statuses (as `kubectl get pods` prints them) that will not fix themselves by waiting.
const IMAGE_PROBLEMS = ["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"];
const CRASHES = ["CrashLoopBackOff", "Error", "RunContainerError"];
const CONFIG_PROBLEMS = ["CreateContainerConfigError", "CreateContainerError"];
const FAILING = new Set([...IMAGE_PROBLEMS, ...CRASHES, ...CONFIG_PROBLEMS]);

export const deploy: Stage = {
  id: "deploy",
  title: "Deploy Bookinfo",
  why:
    "Bookinfo is four small services: productpage calls details and reviews, and reviews v2 and v3 call ratings. " +
    "reviews runs in three versions side by side, which is what the routing stages later choose between. " +
    "With injection on, each pod starts with the sidecar next to the app, so kubectl shows READY 2/2.",
  commands(snapshot) {
    const ns = snapshot.namespace;
    return [`kubectl -n ${ns} apply -f ${SAMPLES.bookinfo}`, `kubectl -n ${ns} get pods`];
  },
  manifests: ["bookinfo.yaml"],
  // Six images to pull on a fresh cluster.
  timeoutMs: 300_000,
  check: checkDeploy,
  async apply(context: StageContext) {
    // With manual injection there is no label to do it, so the manifest goes through istioctl.
    if (context.inject === "istioctl") await context.actions.applyWithIstioctl("bookinfo.yaml");
    else await context.actions.applyManifest("bookinfo.yaml");
  },
};

function checkDeploy(snapshot: Snapshot): StageCheck {
  const ns = snapshot.namespace;
  const deployments = BOOKINFO_DEPLOYMENTS.map((name) => deploymentNamed(snapshot, name));
  const present = deployments.filter((d) => d !== undefined);
  if (present.length === 0)
    return { state: "pending", detail: `Bookinfo is not deployed in namespace ${ns}` };

  const seen = new Set<string>();
  const pods: Pod[] = [];
  let expected = 0;
  let wanted = 0;
  let ready = 0;
  const scaledDown: string[] = [];
  for (const deployment of present) {
    const own = podsOfDeployment(snapshot, deployment).filter((p) => !seen.has(p.metadata.name ?? ""));
    for (const p of own) seen.add(p.metadata.name ?? "");
    pods.push(...own);
    const desired = desiredReplicas(deployment);
    if (desired === 0) scaledDown.push(deployment.metadata.name ?? "");
    // During a rollout old and new pods overlap; all of them must be Ready before it is done.
    expected += Math.max(desired, own.length);
    wanted += desired;
    ready += own.filter(isReady).length;
  }

  const failing = pods
    .map((pod) => ({ pod, status: podRow(pod, snapshot.now).status }))
    .filter(({ status }) => FAILING.has(status.replace(/^Init:/, "")))
    .sort((a, b) => ((a.pod.metadata.name ?? "") < (b.pod.metadata.name ?? "") ? -1 : 1));
  const first = failing[0];
  if (first) {
    const more = failing.length > 1 ? ` (and ${plural(failing.length - 1, "more pod")})` : "";
    return {
      state: "failed",
      detail: `${first.pod.metadata.name} is ${first.status}${more}`,
      fix: fixFor(ns, first.pod, first.status),
    };
  }

  const missing = BOOKINFO_DEPLOYMENTS.filter((_, i) => deployments[i] === undefined);
  if (missing.length > 0) {
    return {
      state: "pending",
      detail: `${present.length} of ${BOOKINFO_DEPLOYMENTS.length} deployments exist; missing ${listNames(missing)}`,
    };
  }
  if (scaledDown.length > 0) {
    return {
      state: "pending",
      detail: `${listNames(scaledDown)} ${scaledDown.length === 1 ? "is" : "are"} scaled to 0`,
      fix: fix(undefined, {
        do: "run",
        command: `kubectl -n ${ns} scale deployment ${scaledDown.join(" ")} --replicas=1`,
      }),
    };
  }
  // Old and new pods are counted together while a rollout replaces them: say so, since Bookinfo
  // alone is six.
  const extra = expected - wanted;
  const rollout =
    extra > 0
      ? `; old and new together while a rollout replaces ${plural(extra, "pod")} (${wanted} wanted)`
      : "";
  const progress = `${ready} of ${expected} pods Ready`;
  if (ready === expected) return { state: "done", detail: `${progress}${rollout}` };
  return { state: "pending", detail: `${progress}${waitingOn(pods, snapshot.now)}${rollout}` };
}

/** " (2 ContainerCreating, 1 Init:0/1)": what the pods that are not Ready yet are doing. */
function waitingOn(pods: Pod[], now: number): string {
  const counts = new Map<string, number>();
  for (const pod of pods) {
    if (isReady(pod)) continue;
    const status = podRow(pod, now).status || "Pending";
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  if (counts.size === 0) return "";
  return ` (${[...counts].map(([status, n]) => `${n} ${status}`).join(", ")})`;
}

function fixFor(ns: string, pod: Pod, status: string): Fix {
  const name = pod.metadata.name ?? "";
  const reason = status.replace(/^Init:/, "");
  const describe = { do: "run" as const, command: `kubectl -n ${ns} describe pod ${name}` };
  if (IMAGE_PROBLEMS.includes(reason))
    return fix("the node cannot pull the image; the events say why", describe);
  if (CONFIG_PROBLEMS.includes(reason))
    return fix("the container cannot be created; the events say why", describe);
  const container = crashingContainer(pod, status.startsWith("Init:"));
  const flag = container ? ` -c ${container}` : "";
  return fix("see why it exits", { do: "run", command: `kubectl -n ${ns} logs ${name}${flag} --previous` });
}

// Named only when the pod has more than one container, where kubectl would otherwise pick one.
function crashingContainer(pod: Pod, init: boolean): string | undefined {
  const count = (pod.spec?.containers?.length ?? 0) + (pod.spec?.initContainers?.length ?? 0);
  const statuses: ContainerStatus[] =
    (init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses) ?? [];
  const crashing = statuses.find(
    (c) => (c.state?.waiting?.reason && c.state.waiting.reason !== "PodInitializing") || c.state?.terminated,
  );
  return count > 1 ? crashing?.name : undefined;
}
