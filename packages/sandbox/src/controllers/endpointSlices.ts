import type { KubeObject, Pod } from "../kube.ts";
import { resolvePort, type Service, selectorOf } from "./endpoints.ts";
import { CONTROLLER_MANAGER, ENDPOINT_SLICES, KEY, objectKey, splitKey } from "./kinds.ts";
import { mapMatches } from "./labelSelector.ts";
import { isPodReady, isTerminal } from "./podState.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

// kube-controller-manager's endpointslice controller: for every Service with a selector, the
// discovery.k8s.io/v1 EndpointSlices of its pods (one per distinct port mapping, at most 100
// endpoints each), with ready/serving/terminating conditions, next to the Endpoints object.

const MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
const CONTROLLER = "endpointslice-controller.k8s.io";
const SERVICE_NAME = "kubernetes.io/service-name";
const TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time";
// --max-endpoints-per-slice's default.
const MAX_ENDPOINTS = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  targetRef: { kind: "Pod"; namespace: string; name: string; uid: string };
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

const ipOrder = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);

/** The slices' contents for a Service's pods: grouped by port mapping, then cut at 100. */
export function sliceContents(
  svc: Service,
  pods: Pod[],
): { ports: SlicePort[]; endpoints: SliceEndpoint[] }[] {
  const groups = new Map<string, { ports: SlicePort[]; endpoints: SliceEndpoint[] }>();
  const publishAll = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || isTerminal(pod)) continue;
    const ports: SlicePort[] = [];
    for (const p of svc.spec?.ports ?? []) {
      const port = resolvePort(p, pod);
      if (port === undefined) continue;
      ports.push({
        name: p.name ?? "",
        port,
        protocol: p.protocol ?? "TCP",
        ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
      });
    }
    const terminating = pod.metadata.deletionTimestamp !== undefined;
    const serving = publishAll || isPodReady(pod);
    const endpoint: SliceEndpoint = {
      addresses: [ip],
      conditions: { ready: serving && !terminating, serving, terminating },
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: "Pod",
        namespace: pod.metadata.namespace ?? "",
        name: pod.metadata.name ?? "",
        uid: pod.metadata.uid ?? "",
      },
    };
    const key = canonicalJson(ports);
    const group = groups.get(key) ?? { ports, endpoints: [] };
    group.endpoints.push(endpoint);
    groups.set(key, group);
  }
  const out: { ports: SlicePort[]; endpoints: SliceEndpoint[] }[] = [];
  for (const group of groups.values()) {
    group.endpoints.sort((a, b) => ipOrder(a.addresses[0]!) - ipOrder(b.addresses[0]!));
    for (let at = 0; at < group.endpoints.length; at += MAX_ENDPOINTS)
      out.push({ ports: group.ports, endpoints: group.endpoints.slice(at, at + MAX_ENDPOINTS) });
  }
  return out;
}

const sameContent = (
  slice: EndpointSlice,
  wanted: { ports: SlicePort[] | null; endpoints: SliceEndpoint[] | null },
) =>
  canonicalJson(slice.ports ?? null) === canonicalJson(wanted.ports) &&
  canonicalJson(slice.endpoints ?? null) === canonicalJson(wanted.endpoints);

export function startEndpointSliceController(rt: Runtime): void {
  const queue = rt.queue("endpointslice", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    const { metadata } = event.object;
    if (event.resource === KEY.services) queue.add(objectKey(metadata.namespace, metadata.name));
    else if (event.resource === KEY.endpointSlices && event.type !== "ADDED") {
      const service = metadata.labels?.[SERVICE_NAME] ?? event.previous?.metadata.labels?.[SERVICE_NAME];
      if (service) queue.add(objectKey(metadata.namespace, service));
    } else if (event.resource === KEY.pods) {
      for (const svc of store.peek(KEY.services, metadata.namespace)) {
        const selector = selectorOf(svc);
        if (!selector) continue;
        if (mapMatches(selector, metadata.labels) || mapMatches(selector, event.previous?.metadata.labels))
          queue.add(objectKey(svc.metadata.namespace, svc.metadata.name));
      }
    }
  });
  for (const svc of store.peek(KEY.services)) queue.add(objectKey(svc.metadata.namespace, svc.metadata.name));

  function reconcile(key: string): void {
    const [namespace, name] = splitKey(key);
    const svc = store.get(KEY.services, namespace, name) as Service | undefined;
    const existing = ([...store.peek(KEY.endpointSlices, namespace)] as EndpointSlice[])
      .filter(
        (s) => s.metadata.labels?.[SERVICE_NAME] === name && s.metadata.labels?.[MANAGED_BY] === CONTROLLER,
      )
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    const selector = svc && selectorOf(svc);
    if (!svc || !selector) {
      for (const slice of existing)
        objects.delete(ENDPOINT_SLICES, namespace, slice.metadata.name ?? "", {
          preconditions: { uid: slice.metadata.uid },
        });
      return;
    }
    const pods = ([...store.peek(KEY.pods, namespace)] as Pod[]).filter((pod) =>
      mapMatches(selector, pod.metadata.labels),
    );
    let wanted: { ports: SlicePort[] | null; endpoints: SliceEndpoint[] | null }[] = sliceContents(svc, pods);
    // A Service with no endpoints still gets one slice, a placeholder with neither.
    if (wanted.length === 0) wanted = [{ ports: null, endpoints: null }];

    const labels: Record<string, string> = {
      ...svc.metadata.labels,
      [SERVICE_NAME]: name,
      [MANAGED_BY]: CONTROLLER,
    };
    if (svc.spec?.clusterIP === "None") labels["service.kubernetes.io/headless"] = "";
    const unused = [...existing];
    for (const content of wanted) {
      // Reuse a slice with the same ports if there is one, else any spare one.
      const index = Math.max(
        unused.findIndex((s) => canonicalJson(s.ports ?? null) === canonicalJson(content.ports)),
        unused.length ? 0 : -1,
      );
      const current = index === -1 ? undefined : unused.splice(index, 1)[0];
      if (
        current &&
        sameContent(current, content) &&
        canonicalJson(current.metadata.labels ?? {}) === canonicalJson(labels)
      )
        continue;
      const body: EndpointSlice = {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: {
          ...(current?.metadata ?? { generateName: `${name}-` }),
          namespace,
          labels,
          annotations: { ...current?.metadata.annotations, [TRIGGER_TIME]: rt.timestamp() },
          ownerReferences: [
            {
              apiVersion: "v1",
              kind: "Service",
              name,
              uid: svc.metadata.uid ?? "",
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        addressType: "IPv4",
        endpoints: content.endpoints,
        ports: content.ports,
      };
      if (current)
        objects.update(ENDPOINT_SLICES, namespace, current.metadata.name ?? "", body, CONTROLLER_MANAGER);
      else objects.create(ENDPOINT_SLICES, namespace, body, CONTROLLER_MANAGER);
    }
    for (const slice of unused)
      objects.delete(ENDPOINT_SLICES, namespace, slice.metadata.name ?? "", {
        preconditions: { uid: slice.metadata.uid },
      });
  }
}
