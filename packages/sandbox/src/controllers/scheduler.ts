import type { Pod, PodCondition } from "../kube.ts";
import { KEY, objectKey, PODS, splitKey } from "./kinds.ts";
import type { Runtime } from "./runtime.ts";

const needsScheduling = (pod: Pod) =>
  !pod.spec?.nodeName &&
  !pod.metadata.deletionTimestamp &&
  (pod.spec?.schedulerName ?? "default-scheduler") === "default-scheduler";

/** default-scheduler for a one-node cluster: every schedulable pod lands on the sandbox node. */
export function startScheduler(rt: Runtime): void {
  const queue = rt.queue("scheduler", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    if (event.resource !== KEY.pods || event.type === "DELETED") return;
    if (needsScheduling(event.object as Pod)) {
      queue.add(objectKey(event.object.metadata.namespace, event.object.metadata.name));
    }
  });
  for (const pod of store.peek(KEY.pods)) {
    if (needsScheduling(pod as Pod)) queue.add(objectKey(pod.metadata.namespace, pod.metadata.name));
  }

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const pod = store.get(KEY.pods, namespace, name) as Pod | undefined;
    if (!pod?.spec || !needsScheduling(pod)) return;
    const now = rt.timestamp();
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    const previous = pod.status?.conditions?.find((c) => c.type === "PodScheduled");

    if (pod.spec.schedulingGates?.length) {
      const gated: PodCondition = {
        type: "PodScheduled",
        status: "False",
        reason: "SchedulingGated",
        message: "Scheduling is blocked due to non-empty scheduling gates",
        lastProbeTime: null,
        lastTransitionTime: previous?.status === "False" ? (previous.lastTransitionTime ?? now) : now,
      };
      if (previous && previous.reason === gated.reason && previous.message === gated.message) return;
      pod.status = { ...pod.status, conditions: [...conditions, gated] };
      objects.update(PODS, namespace, name, pod, { manager: "kube-scheduler", subresource: "status" });
      return;
    }

    // A Binding sets the node and the PodScheduled condition in one write, as here.
    pod.spec.nodeName = rt.nodeName;
    pod.status = {
      ...pod.status,
      conditions: [
        ...conditions,
        { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now },
      ],
    };
    const bound = objects.writeStatus(PODS, pod);
    rt.events.record(
      bound,
      {
        type: "Normal",
        reason: "Scheduled",
        message: `Successfully assigned ${namespace}/${name} to ${rt.nodeName}`,
      },
      {
        component: "default-scheduler",
        newApi: { instance: `default-scheduler-${rt.nodeName}`, action: "Binding" },
      },
    );
  }
}
