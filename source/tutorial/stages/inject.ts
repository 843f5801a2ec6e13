import type { KubeObject, Pod } from "../../model/kube.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import {
  BOOKINFO_DEPLOYMENTS,
  bookinfoPods,
  hasSidecar,
  optedOutOfInjection,
  plural,
  podsOfDeployment,
  rolloutInProgress,
  selectorMatches,
} from "../bookinfo.ts";
import { type Fix, fix } from "../fix.ts";
import type { Stage, StageCheck, StageContext } from "../stage.ts";

const INJECTION = "istio-injection";
const REVISION = "istio.io/rev";
const DATAPLANE_MODE = "istio.io/dataplane-mode";

export type NamespaceInjection =
  | { mode: "sidecar"; label: string }
  | { mode: "ambient"; label: string }
  | { mode: "off"; label: string | null };

/**
 * What the namespace's labels ask of Istio, in the injector webhook's own precedence:
 * `istio-injection` wins over `istio.io/rev`, and any value but "enabled" turns injection off.
 */
export function namespaceInjection(namespace: KubeObject | null): NamespaceInjection {
  const labels = namespace?.metadata.labels ?? {};
  const injection = labels[INJECTION];
  const ambient = labels[DATAPLANE_MODE] === "ambient";
  if (injection === "enabled") return { mode: "sidecar", label: `${INJECTION}=enabled` };
  if (injection === undefined && labels[REVISION] !== undefined) {
    return { mode: "sidecar", label: `${REVISION}=${labels[REVISION]}` };
  }
  if (ambient) return { mode: "ambient", label: `${DATAPLANE_MODE}=ambient` };
  return { mode: "off", label: injection === undefined ? null : `${INJECTION}=${injection}` };
}

/** Bookinfo pods that should have a sidecar and have none. */
export function podsWithoutSidecar(snapshot: Snapshot): Pod[] {
  return bookinfoPods(snapshot).filter((p) => !optedOutOfInjection(p) && !hasSidecar(p));
}

/**
 * Deployments to restart so their pods get the sidecar: those with a pod lacking it, unless a
 * rollout is already replacing their pods. Independent of the namespace label on purpose: right
 * after labelling, the watched namespace may not show the label yet.
 */
export function deploymentsNeedingRestart(snapshot: Snapshot): string[] {
  const lacking = new Set(podsWithoutSidecar(snapshot).map((p) => p.metadata.name));
  const names: string[] = [];
  for (const deployment of snapshot.deployments) {
    const name = deployment.metadata.name;
    if (!name || rolloutInProgress(deployment)) continue;
    const pods = podsOfDeployment(snapshot, deployment);
    if (pods.some((p) => lacking.has(p.metadata.name))) names.push(name);
  }
  return sortBookinfoFirst(names);
}

export const inject: Stage = {
  id: "inject",
  title: "Enable sidecar injection",
  why:
    "Istio manages traffic through a proxy (Envoy) that runs next to each application container, called the sidecar. " +
    "Labelling the namespace tells Istio's injector to add that proxy to every pod created there from now on. " +
    "Pods that already run keep going without it until they are restarted.",
  commands(snapshot) {
    const ns = snapshot.namespace;
    const commands: string[] = [];
    if (!snapshot.namespaceObject && snapshot.unreadable.namespace === undefined)
      commands.push(`kubectl create namespace ${ns}`);
    const current = namespaceInjection(snapshot.namespaceObject);
    if (current.mode === "ambient") {
      commands.push(`kubectl label namespace ${ns} ${DATAPLANE_MODE}=ambient`);
    } else if (current.mode === "sidecar" && current.label.startsWith(REVISION)) {
      commands.push(`kubectl label namespace ${ns} ${current.label}`);
    } else {
      // kubectl refuses to change an existing label value without --overwrite.
      const overwrite = current.mode === "off" && current.label !== null ? " --overwrite" : "";
      commands.push(`kubectl label namespace ${ns} ${INJECTION}=enabled${overwrite}`);
    }
    commands.push(`kubectl get namespace ${ns} -L ${INJECTION},${REVISION}`);
    const restart = deploymentsNeedingRestart(snapshot);
    if (restart.length > 0 && current.mode !== "ambient") commands.push(restartCommand(ns, restart));
    return commands;
  },
  manifests: [],
  // A restart waits for the new pods, images pulled on a fresh cluster included.
  timeoutMs: 180_000,
  check: checkInject,
  async apply(context: StageContext) {
    const method = context.inject ?? "label";
    const before = context.snapshot();
    if (method === "ambient") {
      // Ambient mode captures running pods in place: no sidecar, nothing to restart.
      if (namespaceInjection(before.namespaceObject).mode !== "ambient") {
        await context.actions.labelNamespace({ [DATAPLANE_MODE]: "ambient" });
      }
      return;
    }
    if (method === "istioctl") {
      // Manual injection has no label: Bookinfo already running without the proxy is applied
      // again through `istioctl kube-inject`, which rolls its pods with the sidecar in.
      if (deploymentsNeedingRestart(before).length > 0)
        await context.actions.applyWithIstioctl("bookinfo.yaml");
      return;
    }
    // Unreadable means not ours to label either (see checkFromPodsAlone): restarting is all we can do.
    if (
      before.unreadable.namespace === undefined &&
      namespaceInjection(before.namespaceObject).mode !== "sidecar"
    ) {
      await context.actions.labelNamespace({ [INJECTION]: "enabled" });
    }
    const restart = deploymentsNeedingRestart(context.snapshot());
    if (restart.length > 0) await context.actions.restartDeployments(restart);
  },
};

function checkInject(snapshot: Snapshot): StageCheck {
  const ns = snapshot.namespace;
  const injection = namespaceInjection(snapshot.namespaceObject);
  const pods = bookinfoPods(snapshot).filter((p) => !optedOutOfInjection(p));
  const without = podsWithoutSidecar(snapshot);

  // Nothing can inject a sidecar without Istio; every later stage needs it too.
  if (!snapshot.istio.installed && !snapshot.istio.detecting) {
    return {
      state: "failed",
      detail: "Istio is not installed on this cluster",
      fix: INSTALL_ISTIO,
    };
  }
  if (snapshot.unreadable.namespace !== undefined) return checkFromPodsAlone(snapshot, pods, without);
  if (injection.mode === "ambient") {
    return { state: "done", detail: `namespace ${ns} is in ambient mode (${injection.label})` };
  }
  if (injection.mode === "sidecar") {
    if (without.length === 0) {
      const suffix = pods.length > 0 ? `; ${allHave(pods.length)}` : "";
      return { state: "done", detail: `namespace ${ns} labelled ${injection.label}${suffix}` };
    }
    const replacing = without.filter((p) => beingReplaced(snapshot, p));
    const stale = without.filter((p) => !replacing.includes(p));
    if (stale.length === 0) {
      return {
        state: "pending",
        detail: `restarting: ${plural(without.length, "pod")} still without a sidecar`,
      };
    }
    if (!snapshot.istio.installed) {
      return {
        state: "failed",
        detail: `${plural(without.length, "pod")} without a sidecar, and Istio is not installed to inject one`,
        fix: INSTALL_ISTIO,
      };
    }
    const restart = deploymentsNeedingRestart(snapshot);
    const [has, they, them] = stale.length === 1 ? ["pod has", "it", "it"] : ["pods have", "they", "them"];
    return {
      state: "failed",
      detail: `${stale.length} ${has} no sidecar: ${they} started before the namespace was labelled; restart ${them}`,
      fix:
        restart.length > 0
          ? fix(undefined, { do: "restart", namespace: ns, deployments: restart, by: "inject" })
          : fix(
              `delete ${them} so ${they} ${stale.length === 1 ? "is" : "are"} created again with the sidecar`,
              {
                do: "delete-pods",
                namespace: ns,
                pods: stale.map((p) => p.metadata.name ?? ""),
              },
            ),
    };
  }

  // No label, yet every pod has the proxy. Done only if what put it there still would for the
  // pods that replace them: `istioctl kube-inject` wrote it into their deployments, or their
  // template asks for it. Otherwise these pods kept it from a label that is gone (after a reset,
  // say), and the next rollout would bring them back without one.
  if (pods.length > 0 && without.length === 0) {
    const keptFromBefore = pods.filter((p) => !injectedByTemplate(snapshot, p, injection.label === null));
    if (keptFromBefore.length === 0) {
      return {
        state: "done",
        detail: `${allHave(pods.length)}: their deployments ask for it, not a namespace label`,
      };
    }
    const n = keptFromBefore.length;
    const current = injection.label === null ? "is not labelled for injection" : `has ${injection.label}`;
    return {
      state: "pending",
      detail: `namespace ${ns} ${current}: ${plural(n, "Bookinfo pod")} ${n === 1 ? "keeps the sidecar it" : "keep the sidecar they"} started with, but new pods would start without one`,
      fix: labelThenRestart(snapshot, injection.label !== null),
    };
  }
  if (!snapshot.namespaceObject) {
    return { state: "pending", detail: `namespace ${ns} does not exist yet` };
  }
  if (injection.label !== null) {
    return {
      state: "pending",
      detail: `namespace ${ns} has ${injection.label}, which turns injection off`,
      fix: labelThenRestart(snapshot, true),
    };
  }
  const running =
    without.length > 0
      ? `; ${plural(without.length, "Bookinfo pod")} ${without.length === 1 ? "runs" : "run"} without a sidecar`
      : "";
  return {
    state: "pending",
    detail: `namespace ${ns} is not labelled for injection${running}`,
    ...(without.length > 0 ? { fix: labelThenRestart(snapshot, false) } : {}),
  };
}

const INSTALL_ISTIO = fix("install Istio first, then run the tour again", {
  do: "run",
  command: "istioctl install --set profile=demo -y",
});

/**
 * Pods that started before the label have no sidecar, and restarting them before the label is
 * set brings them back without one: the label comes first, then the restart. Running this stage
 * does both, in that order.
 */
function labelThenRestart(snapshot: Snapshot, overwrite: boolean): Fix {
  const ns = snapshot.namespace;
  const restart = deploymentsNeedingRestart(snapshot);
  return fix(
    undefined,
    { do: "label", namespace: ns, labels: { [INJECTION]: "enabled" }, overwrite, by: "inject" },
    ...(restart.length > 0
      ? [{ do: "restart" as const, namespace: ns, deployments: restart, by: "inject" as const }]
      : []),
  );
}

/**
 * A user whose rights end at their namespace cannot read (or label) the namespace object: on a
 * shared cluster its admin labels the namespace. The pods are the evidence then. Before there
 * are any, the label is taken as set, so the tour goes on to deploy, whose pods show at once
 * whether it was: without a sidecar, this stage turns failed and says whom to ask.
 */
function checkFromPodsAlone(snapshot: Snapshot, pods: Pod[], without: Pod[]): StageCheck {
  const ns = snapshot.namespace;
  const unreadable = `namespace ${ns} cannot be read with this context`;
  if (pods.length === 0)
    return {
      state: "done",
      detail: `${unreadable}, so its injection label is taken as set; deploying shows whether pods get the sidecar`,
    };
  if (without.length === 0) return { state: "done", detail: `${allHave(pods.length)} (${unreadable})` };
  const stale = without.filter((p) => !beingReplaced(snapshot, p));
  if (stale.length === 0)
    return {
      state: "pending",
      detail: `restarting: ${plural(without.length, "pod")} still without a sidecar`,
    };
  const restart = deploymentsNeedingRestart(snapshot);
  return {
    state: "failed",
    detail: `${plural(stale.length, "Bookinfo pod")} without a sidecar, and ${unreadable} to label it for injection`,
    fix: fix(
      undefined,
      { do: "ask", who: "your cluster admin", command: `kubectl label namespace ${ns} ${INJECTION}=enabled` },
      ...(restart.length > 0 ? [{ do: "restart" as const, namespace: ns, deployments: restart }] : []),
    ),
  };
}

/**
 * Whether the pod's deployment gives every new pod the sidecar without a namespace label: the
 * proxy is in its pod template (`istioctl kube-inject`), or, where the namespace has no injection
 * label at all, the template asks Istio's injector for it (label sidecar.istio.io/inject=true).
 */
function injectedByTemplate(snapshot: Snapshot, pod: Pod, unlabelled: boolean): boolean {
  const labels = pod.metadata.labels ?? {};
  const owner = snapshot.deployments.find((d) => {
    const selector = (d.spec as { selector?: Record<string, unknown> } | undefined)?.selector ?? {};
    return selectorMatches(selector, labels);
  });
  const template = (owner?.spec as { template?: PodTemplate } | undefined)?.template;
  if (!template) return false;
  if (unlabelled && template.metadata?.labels?.["sidecar.istio.io/inject"] === "true") return true;
  const containers = [...(template.spec?.containers ?? []), ...(template.spec?.initContainers ?? [])];
  return containers.some((c) => c.name === "istio-proxy");
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { name?: string }[]; initContainers?: { name?: string }[] };
}

// A pod without the proxy is on its way out when its deployment is rolling (a restart is
// already replacing it), so it is progress, not a problem.
function beingReplaced(snapshot: Snapshot, pod: Pod): boolean {
  const labels = pod.metadata.labels ?? {};
  return snapshot.deployments.some((d) => {
    const selector = (d.spec as { selector?: Record<string, unknown> } | undefined)?.selector ?? {};
    return selectorMatches(selector, labels) && rolloutInProgress(d);
  });
}

function allHave(count: number): string {
  return count === 1 ? "the Bookinfo pod has a sidecar" : `all ${count} Bookinfo pods have a sidecar`;
}

function restartCommand(ns: string, deployments: string[]): string {
  return `kubectl -n ${ns} rollout restart deployment ${deployments.join(" ")}`;
}

function sortBookinfoFirst(names: string[]): string[] {
  const order: readonly string[] = BOOKINFO_DEPLOYMENTS;
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}
