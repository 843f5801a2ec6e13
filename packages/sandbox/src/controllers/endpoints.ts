import type { KubeObject, Pod } from "../kube.ts";
import { CONTROLLER_MANAGER, ENDPOINTS, KEY, objectKey, splitKey } from "./kinds.ts";
import { mapMatches } from "./labelSelector.ts";
import { isPodReady, isTerminal } from "./podState.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
  };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface EndpointAddress {
  ip: string;
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

const TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";

export const selectorOf = (svc: KubeObject): Record<string, string> | undefined => {
  const selector = (svc as Service).spec?.selector;
  return selector && Object.keys(selector).length ? selector : undefined;
};

/** A named targetPort is looked up among the pod's container ports; a number is used as is. */
export function resolvePort(port: ServicePort, pod: Pod): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === "number") return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const found = c.ports?.find(
      (p) => p.name === target && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"),
    );
    if (found) return found.containerPort;
  }
  return undefined;
}

const ipOrder = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);

/** Subsets as the endpoints controller packs them: one per distinct port mapping. */
export function subsetsFor(svc: Service, pods: Pod[]): Subset[] {
  const groups = new Map<string, Subset>();
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || isTerminal(pod)) continue;
    const publishAll = svc.spec?.publishNotReadyAddresses === true;
    // Terminating pods leave the Endpoints at once (they stay in EndpointSlices as terminating).
    if (pod.metadata.deletionTimestamp && !publishAll) continue;
    const ports: EndpointPort[] = [];
    for (const p of svc.spec?.ports ?? []) {
      const port = resolvePort(p, pod);
      if (port === undefined) continue;
      ports.push({
        ...(p.name ? { name: p.name } : {}),
        port,
        protocol: p.protocol ?? "TCP",
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      });
    }
    const address: EndpointAddress = {
      ip,
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: "Pod",
        namespace: pod.metadata.namespace ?? "",
        name: pod.metadata.name ?? "",
        uid: pod.metadata.uid ?? "",
      },
    };
    const groupKey = canonicalJson(ports);
    const subset = groups.get(groupKey) ?? { ...(ports.length ? { ports } : {}) };
    groups.set(groupKey, subset);
    const field = publishAll || isPodReady(pod) ? "addresses" : "notReadyAddresses";
    subset[field] = [...(subset[field] ?? []), address];
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress) => ipOrder(a.ip) - ipOrder(b.ip);
  return [...groups.values()].map((s) => ({
    ...(s.addresses ? { addresses: s.addresses.sort(byIP) } : {}),
    ...(s.notReadyAddresses ? { notReadyAddresses: s.notReadyAddresses.sort(byIP) } : {}),
    ...(s.ports ? { ports: s.ports } : {}),
  }));
}

/** Endpoints for every Service with a selector, following its pods' IPs and readiness. */
export function startEndpointsController(rt: Runtime): void {
  const queue = rt.queue("endpoints", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.services) queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.endpoints && event.type !== "ADDED") {
      // Someone edited or removed an Endpoints we own: put it back as it should be.
      queue.add(objectKey(metadata.namespace, metadata.name));
    } else if (event.resource === KEY.pods) {
      for (const svc of store.peek(KEY.services, metadata.namespace)) {
        const selector = selectorOf(svc);
        if (!selector) continue;
        if (mapMatches(selector, metadata.labels) || mapMatches(selector, event.previous?.metadata.labels)) {
          queue.add(objectKey(svc.metadata.namespace, svc.metadata.name));
        }
      }
    }
  });
  for (const svc of store.peek(KEY.services)) queue.add(objectKey(svc.metadata.namespace, svc.metadata.name));

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const svc = store.get(KEY.services, namespace, name) as Service | undefined;
    const current = store.get(KEY.endpoints, namespace, name);
    if (!svc) {
      if (current)
        objects.delete(ENDPOINTS, namespace, name, { preconditions: { uid: current.metadata.uid } });
      return;
    }
    const selector = selectorOf(svc);
    // Without a selector the Endpoints are the user's to write.
    if (!selector) return;
    const pods = [...(store.peek(KEY.pods, namespace) as Iterable<Pod>)]
      .filter((pod) => mapMatches(selector, pod.metadata.labels))
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    const subsets = subsetsFor(svc, pods);
    const labels: Record<string, string> = { ...svc.metadata.labels };
    if (svc.spec?.clusterIP === "None") labels["service.kubernetes.io/headless"] = "";

    const same =
      current &&
      canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels) &&
      canonicalJson(current.subsets ?? []) === canonicalJson(subsets);
    if (same) return;
    const metadata = {
      ...(current?.metadata ?? {}),
      name,
      namespace,
      labels,
      annotations: { ...current?.metadata.annotations, [TRIGGER_TIME]: rt.timestamp() },
    };
    if (!Object.keys(labels).length) delete (metadata as { labels?: unknown }).labels;
    const body: KubeObject = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata,
      ...(subsets.length ? { subsets } : {}),
    };
    if (current) objects.update(ENDPOINTS, namespace, name, body, CONTROLLER_MANAGER);
    else objects.create(ENDPOINTS, namespace, body, CONTROLLER_MANAGER);
  }
}
