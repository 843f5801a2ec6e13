import { findResource, type ResourceType, storageKey } from "../api/resources.ts";
import { builtinClasses, GATEWAY_CONTROLLER, istioClass } from "../gatewayapi/istio/classes.ts";
import { GatewayApiModel, type GatewayModel, type RouteModel } from "../gatewayapi/istio/model.ts";
import {
  type Condition,
  classAccepted,
  gatewayStatus,
  type RouteParentStatus,
  routeParents,
  setConditions,
} from "../gatewayapi/istio/status.ts";
import type { KubeObject, Pod } from "../kube.ts";
import {
  GATEWAY_NAME_LABEL,
  gatewayDeployment,
  gatewayService,
  gatewayServiceAccount,
} from "./gatewayDeployment.ts";
import { DEPLOYMENTS, KEY, SERVICE_ACCOUNTS, SERVICES } from "./kinds.ts";
import { mapMatches } from "./labelSelector.ts";
import { isPodReady } from "./podState.ts";
import type { Runtime } from "./runtime.ts";
import { canonicalJson } from "./templateHash.ts";

// The part of istiod that implements the Gateway API: it creates Istio's GatewayClasses once the
// CRDs exist, deploys a proxy (Deployment, Service, ServiceAccount) for every Gateway of its
// classes, and writes the status of GatewayClasses, Gateways and HTTPRoutes. It runs only where
// istiod does, and acts once istiod is ready.

const GROUP = "gateway.networking.k8s.io";
const MANAGER = { manager: "istio.io/gateway-controller" } as const;
const ISTIO_NS = "istio-system";

const served = (rt: Runtime, plural: string): ResourceType | undefined =>
  findResource(GROUP, "v1", plural, rt.store) ?? findResource(GROUP, "v1beta1", plural, rt.store);

/** istiod's own Deployment, when it is up: the controller lives in it. */
function istiod(rt: Runtime): { ambient: boolean; proxyImage: string } | undefined {
  const d = rt.store.get(KEY.deployments, ISTIO_NS, "istiod");
  const ready = (d?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
  if (!d || ready < 1) return undefined;
  const containers =
    (d.spec as { template?: { spec?: Pod["spec"] } } | undefined)?.template?.spec?.containers ?? [];
  const discovery = containers.find((c) => c.name === "discovery") ?? containers[0];
  const env = (discovery?.env as { name?: string; value?: string }[] | undefined) ?? [];
  const ambient = env.some((e) => e.name === "PILOT_ENABLE_AMBIENT" && e.value === "true");
  const image = (discovery?.image ?? "docker.io/istio/pilot:latest").split("@", 1)[0]!;
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const hub = slash >= 0 ? image.slice(0, slash) : "docker.io/istio";
  const tag = colon > slash ? image.slice(colon + 1) : "latest";
  return { ambient, proxyImage: `${hub}/proxyv2:${tag}` };
}

const WATCHED = new Set([
  "customresourcedefinitions.apiextensions.k8s.io",
  KEY.services,
  KEY.namespaces,
  `gatewayclasses.${GROUP}`,
  `gateways.${GROUP}`,
  `httproutes.${GROUP}`,
  `referencegrants.${GROUP}`,
]);

export function startIstioGatewayController(rt: Runtime): void {
  const queue = rt.queue("istio-gateway", reconcile);
  const { store, objects } = rt;

  rt.watch((event) => {
    if (WATCHED.has(event.resource)) queue.add("all");
    else if (
      event.resource === KEY.pods &&
      (event.object.metadata.labels?.[GATEWAY_NAME_LABEL] || event.previous)
    )
      queue.add("all");
  });
  queue.add("all");

  function reconcile(): void {
    const control = istiod(rt);
    if (!control) return;
    const classes = served(rt, "gatewayclasses");
    if (!classes) return;
    ensureClasses(classes, control.ambient);
    const gateways = served(rt, "gateways");
    const routes = served(rt, "httproutes");
    const grants = findResource(GROUP, "v1beta1", "referencegrants", store);
    const model = new GatewayApiModel({
      gatewayClasses: store.peek(storageKey(classes)),
      gateways: gateways ? store.peek(storageKey(gateways)) : [],
      httpRoutes: routes ? store.peek(storageKey(routes)) : [],
      services: store.peek(KEY.services),
      namespaces: store.peek(KEY.namespaces),
      referenceGrants: grants ? store.peek(storageKey(grants)) : [],
      ambient: control.ambient,
    });
    for (const gw of model.gateways.values()) {
      if (gw.object.metadata.deletionTimestamp) continue;
      if (gw.info.deploys) deploy(gw, control.proxyImage);
      if (gateways) writeGatewayStatus(gateways, gw);
    }
    if (routes) {
      const byKey = new Map(model.routes.map((r) => [`${r.namespace}/${r.name}`, r]));
      for (const object of store.peek(storageKey(routes))) {
        const k = `${object.metadata.namespace}/${object.metadata.name}`;
        writeRouteStatus(routes, object, byKey.get(k), control.ambient);
      }
    }
  }

  function ensureClasses(r: ResourceType, ambient: boolean): void {
    for (const { name, info } of builtinClasses(ambient)) {
      if (store.get(storageKey(r), undefined, name)) continue;
      objects.create(
        r,
        undefined,
        {
          apiVersion: `${GROUP}/v1`,
          kind: "GatewayClass",
          metadata: { name },
          spec: { controllerName: info.controller, description: info.description },
        },
        MANAGER,
      );
    }
    for (const gc of store.peek(storageKey(r))) {
      if (!istioClass((gc.spec as { controllerName?: string })?.controllerName, ambient)) continue;
      const status = (gc.status ?? {}) as { conditions?: Condition[] };
      const conditions = setConditions(
        status.conditions,
        classAccepted,
        gc.metadata.generation,
        rt.timestamp(),
      );
      writeStatusIfChanged(r, gc, { ...status, conditions });
    }
  }

  /** Creates what is missing and puts back what Istio owns if someone changed it. */
  function deploy(gw: GatewayModel, proxyImage: string): void {
    apply(SERVICE_ACCOUNTS, gatewayServiceAccount(gw), (have) => have);
    apply(DEPLOYMENTS, gatewayDeployment(gw, proxyImage), (have, want) => ({
      ...have,
      metadata: { ...have.metadata, labels: want.metadata.labels },
      spec: { ...(have.spec as object), ...(want.spec as object) },
    }));
    apply(SERVICES, gatewayService(gw), (have, want) => {
      const wantSpec = want.spec as { type: string; ports: { port: number; nodePort?: number }[] };
      const haveSpec = { ...((have.spec ?? {}) as Record<string, unknown>) };
      const haveSpecPorts = (haveSpec.ports ?? []) as { port?: number; nodePort?: number }[];
      // The API server drops what only NodePort and LoadBalancer Services have when the type changes.
      const keepNodePorts = wantSpec.type === "NodePort" || wantSpec.type === "LoadBalancer";
      if (!keepNodePorts) {
        delete haveSpec.externalTrafficPolicy;
        delete haveSpec.allocateLoadBalancerNodePorts;
      }
      const ports = wantSpec.ports.map((p) => {
        const nodePort = haveSpecPorts.find((h) => h.port === p.port)?.nodePort;
        return keepNodePorts && nodePort ? { ...p, nodePort } : p;
      });
      return {
        ...have,
        metadata: { ...have.metadata, labels: want.metadata.labels },
        spec: { ...haveSpec, ...wantSpec, ports },
      };
    });
  }

  /** Server-side apply in spirit: only what Istio sets is compared, and put back when it differs. */
  function apply(
    r: ResourceType,
    want: KubeObject,
    merge: (have: KubeObject, want: KubeObject) => KubeObject,
  ): void {
    const { namespace, name } = want.metadata;
    const have = store.get(storageKey(r), namespace, name ?? "");
    if (!have) {
      objects.create(r, namespace, want, MANAGER);
      return;
    }
    const owned = { metadata: { labels: want.metadata.labels }, spec: want.spec };
    if (contains(have, owned)) return;
    objects.update(r, namespace, name ?? "", merge(have, want), MANAGER);
  }

  function readyPodsOf(svc: KubeObject | undefined): number {
    const selector = (svc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (!svc || !selector || Object.keys(selector).length === 0) return 0;
    let ready = 0;
    for (const pod of store.peek(KEY.pods, svc.metadata.namespace) as Iterable<Pod>) {
      if (!pod.metadata.deletionTimestamp && isPodReady(pod) && mapMatches(selector, pod.metadata.labels))
        ready++;
    }
    return ready;
  }

  function writeGatewayStatus(r: ResourceType, gw: GatewayModel): void {
    const current = store.get(storageKey(r), gw.namespace, gw.name);
    if (!current) return;
    const svc = gw.info.deploys ? store.get(KEY.services, gw.namespace, gw.deployedName) : undefined;
    const result = gatewayStatus(gw, { service: svc, readyPods: readyPodsOf(svc) });
    const now = rt.timestamp();
    const generation = current.metadata.generation;
    const status = { ...((current.status ?? {}) as Record<string, unknown>) };
    const previousListeners = (status.listeners ?? []) as { name?: string; conditions?: Condition[] }[];
    if (result.addresses) status.addresses = result.addresses;
    status.conditions = setConditions(
      status.conditions as Condition[] | undefined,
      result.conditions,
      generation,
      now,
    );
    if (result.listeners) {
      status.listeners = result.listeners.map((l) => ({
        name: l.name,
        supportedKinds: l.supportedKinds,
        attachedRoutes: l.attachedRoutes,
        conditions: setConditions(
          previousListeners.find((p) => p.name === l.name)?.conditions,
          l.conditions,
          generation,
          now,
        ),
      }));
    } else delete status.listeners;
    writeStatusIfChanged(r, current, status);
  }

  function writeRouteStatus(
    r: ResourceType,
    object: KubeObject,
    route: RouteModel | undefined,
    ambient: boolean,
  ): void {
    const status = { ...((object.status ?? {}) as { parents?: RouteParentStatus[] }) };
    const parents = routeParents(route, status.parents, {
      ambient,
      now: rt.timestamp(),
      namespace: object.metadata.namespace ?? "default",
    });
    if (!route && !(status.parents ?? []).some((p) => p.controllerName === GATEWAY_CONTROLLER)) return;
    writeStatusIfChanged(r, object, { ...status, parents });
  }

  function writeStatusIfChanged(r: ResourceType, current: KubeObject, status: Record<string, unknown>): void {
    if (canonicalJson(withoutTimes(status)) === canonicalJson(withoutTimes(current.status ?? {}))) return;
    objects.update(
      r,
      current.metadata.namespace,
      current.metadata.name ?? "",
      { ...current, status },
      {
        ...MANAGER,
        subresource: "status",
      },
    );
  }
}

/** Whether every field of `want` has the same value in `have` (defaults `have` gained are fine). */
function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  }
  if (want && typeof want === "object") {
    if (!have || typeof have !== "object" || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => contains((have as Record<string, unknown>)[k], v));
  }
  return have === want;
}

/** Condition timestamps alone never warrant a write. */
function withoutTimes(status: unknown): unknown {
  return JSON.parse(JSON.stringify(status), (k, v) => (k === "lastTransitionTime" ? undefined : v));
}
