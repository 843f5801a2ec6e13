import { GatewayApiModel } from "../gatewayapi/istio/model.ts";
import type { KubeObject, Pod } from "../kube.ts";
import { gatewayServerHost, hostMatches, ruleHost, serviceFqdn } from "./hosts.ts";
import {
  type DestinationRuleSpec,
  type GatewaySpec,
  listOf,
  type ServicePort,
  type ServiceSpec,
  stringsOf,
  type VirtualServiceSpec,
} from "./istioConfig.ts";
import { type BoundRule, qualifiedGateway } from "./match.ts";

export interface ServiceInfo {
  name: string;
  namespace: string;
  fqdn: string;
  selector: Readonly<Record<string, string>> | undefined;
  ports: readonly ServicePort[];
  clusterIP?: string;
}

export interface IngressInfo {
  service: ServiceInfo;
  /** The Service port behind the NodePort and the container port it targets (80 -> 8080). */
  port: number;
  targetPort: number;
  /** Ready gateway pods behind that Service. */
  pods: readonly Pod[];
  /** Whether the Service still exposes that node port (a ClusterIP Service has none). */
  onNode: boolean;
}

/** The ingress gateway the sandbox installs; its pods serve 8080 whatever the Service's type. */
const INGRESS_SERVICE = { namespace: "istio-system", name: "istio-ingressgateway", port: "http2" };

/** What the gateway does with a request for one host. */
export interface GatewayRoutes {
  /** "namespace/name" of the Gateways whose servers accept the host. */
  gateways: string[];
  rules: BoundRule[];
  /** Labels of the gateway pod, for sourceLabels matches. */
  labels: Readonly<Record<string, string>>;
}

interface Named<T> {
  namespace: string;
  name: string;
  spec: T;
}

export const isReady = (pod: Pod): boolean =>
  !pod.metadata.deletionTimestamp &&
  pod.status?.phase === "Running" &&
  (pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false);

export const hasSidecar = (pod: Pod): boolean =>
  (pod.spec?.containers?.some((c) => c.name === "istio-proxy") ?? false) ||
  (pod.spec?.initContainers?.some((c) => c.name === "istio-proxy") ?? false);

const labelsOf = (o: KubeObject): Readonly<Record<string, string>> => o.metadata.labels ?? {};

function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>>,
) {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/**
 * How specific a host pattern is, as Envoy ranks virtual host domains: an exact name first, then
 * wildcards by the length of their suffix, "*" last. Two patterns that both match one host
 * intersect in the more specific of them.
 */
function specificity(pattern: string): number {
  if (pattern === "*") return 0;
  if (pattern.startsWith("*.")) return pattern.length - 1;
  return Number.POSITIVE_INFINITY;
}

/** Istio orders conflicting configuration by age, then by namespace and name. */
function byAge(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata.creationTimestamp ?? "";
  const tb = b.metadata.creationTimestamp ?? "";
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function named<T>(objects: Iterable<KubeObject>): Named<T>[] {
  return [...objects].sort(byAge).map((o) => ({
    namespace: o.metadata.namespace ?? "default",
    name: o.metadata.name ?? "",
    spec: (o.spec ?? {}) as T,
  }));
}

export interface MeshObjects {
  pods: Iterable<Pod>;
  services: Iterable<KubeObject>;
  gateways: Iterable<KubeObject>;
  virtualServices: Iterable<KubeObject>;
  destinationRules: Iterable<KubeObject>;
  /** The Gateway API objects and what else Istio's Gateway API controller reads. */
  gatewayApi?: GatewayApiInputs;
}

export interface GatewayApiInputs {
  namespaces: Iterable<KubeObject>;
  gatewayClasses: Iterable<KubeObject>;
  gateways: Iterable<KubeObject>;
  httpRoutes: Iterable<KubeObject>;
  referenceGrants: Iterable<KubeObject>;
  /** istiod runs with ambient support on. */
  ambient: boolean;
}

/**
 * One consistent view of the cluster for routing, built from the store and thrown away on the
 * next relevant change. Answers are memoised per view, so a burst of requests between two
 * changes pays for each lookup once.
 */
export class MeshIndex {
  readonly services = new Map<string, ServiceInfo>();
  readonly #pods = new Map<string, Pod>();
  readonly #readyPods = new Map<string, Pod[]>();
  readonly #gateways: Named<GatewaySpec>[];
  readonly #virtualServices: Named<VirtualServiceSpec>[];
  readonly #destinationRules: Named<DestinationRuleSpec>[];
  readonly #endpoints = new Map<string, readonly Pod[]>();
  readonly #meshRules = new Map<string, BoundRule[] | null>();
  readonly #meshRuleAge = new Map<string, string>();
  readonly #gatewayRoutes = new Map<string, GatewayRoutes | null>();
  readonly #ingress = new Map<number, IngressInfo | null>();
  readonly #memo = new Map<string, unknown>();
  readonly #serviceObjects: KubeObject[] = [];
  readonly #serviceLabels = new Map<string, Readonly<Record<string, string>>>();
  readonly #gatewayApiInputs: GatewayApiInputs | undefined;
  readonly #namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  readonly #vsCreated = new Map<string, string>();
  #gatewayApi: GatewayApiModel | undefined;

  constructor(objects: MeshObjects) {
    for (const pod of objects.pods) {
      this.#pods.set(`${pod.metadata.namespace}/${pod.metadata.name}`, pod);
      if (!isReady(pod)) continue;
      const ns = pod.metadata.namespace ?? "default";
      const list = this.#readyPods.get(ns);
      if (list) list.push(pod);
      else this.#readyPods.set(ns, [pod]);
    }
    for (const list of this.#readyPods.values())
      list.sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    for (const svc of objects.services) {
      this.#serviceObjects.push(svc);
      const name = svc.metadata.name ?? "";
      const namespace = svc.metadata.namespace ?? "default";
      this.#serviceLabels.set(`${namespace}/${name}`, svc.metadata.labels ?? {});
      const spec = (svc.spec ?? {}) as ServiceSpec;
      const fqdn = serviceFqdn(name, namespace);
      const clusterIP = (spec as { clusterIP?: string }).clusterIP;
      this.services.set(fqdn, {
        name,
        namespace,
        fqdn,
        selector: spec.selector,
        ports: listOf(spec.ports),
        clusterIP,
      });
    }
    this.#gateways = named(objects.gateways);
    const virtualServices = [...objects.virtualServices];
    this.#virtualServices = named(virtualServices);
    this.#destinationRules = named(objects.destinationRules);
    const inputs = objects.gatewayApi;
    // Store reads are live iterators: take each once, now, so the view stays as of this moment.
    this.#gatewayApiInputs = inputs && {
      namespaces: [...inputs.namespaces],
      gatewayClasses: [...inputs.gatewayClasses],
      gateways: [...inputs.gateways],
      httpRoutes: [...inputs.httpRoutes],
      referenceGrants: [...inputs.referenceGrants],
      ambient: inputs.ambient,
    };
    for (const ns of this.#gatewayApiInputs?.namespaces ?? [])
      this.#namespaceLabels.set(ns.metadata.name ?? "", ns.metadata.labels ?? {});
    for (const vs of virtualServices)
      this.#vsCreated.set(
        `${vs.metadata.namespace}/${vs.metadata.name}`,
        vs.metadata.creationTimestamp ?? "",
      );
  }

  /** What Istio's Gateway API controller makes of the cluster, built on first use. */
  get gatewayApi(): GatewayApiModel {
    this.#gatewayApi ??= new GatewayApiModel({
      gatewayClasses: this.#gatewayApiInputs?.gatewayClasses ?? [],
      gateways: this.#gatewayApiInputs?.gateways ?? [],
      httpRoutes: this.#gatewayApiInputs?.httpRoutes ?? [],
      referenceGrants: this.#gatewayApiInputs?.referenceGrants ?? [],
      namespaces: this.#gatewayApiInputs?.namespaces ?? [],
      services: this.#serviceObjects,
      ambient: this.#gatewayApiInputs?.ambient ?? false,
    });
    return this.#gatewayApi;
  }

  /** The Service objects as stored, for what reads more than routing does (types, node ports). */
  get serviceObjects(): readonly KubeObject[] {
    return this.#serviceObjects;
  }

  get ambientEnabled(): boolean {
    return this.#gatewayApiInputs?.ambient ?? false;
  }

  namespaceLabels(namespace: string): Readonly<Record<string, string>> {
    return this.#namespaceLabels.get(namespace) ?? {};
  }

  serviceLabels(service: ServiceInfo): Readonly<Record<string, string>> {
    return (
      this.#serviceObjects.find(
        (s) => s.metadata.namespace === service.namespace && s.metadata.name === service.name,
      )?.metadata.labels ?? {}
    );
  }

  /** Ready pods of a namespace whose labels include `labels`. */
  readyPodsWith(namespace: string, labels: Readonly<Record<string, string>>): readonly Pod[] {
    return (this.#readyPods.get(namespace) ?? []).filter((p) => selects(labels, labelsOf(p)));
  }

  /** Ready pods the Service selects: what its Endpoints list as addresses. */
  endpoints(service: ServiceInfo): readonly Pod[] {
    let found = this.#endpoints.get(service.fqdn);
    if (!found) {
      // A Service without a selector has hand-made Endpoints, which the sandbox does not route to.
      const selector = service.selector;
      found =
        selector && Object.keys(selector).length > 0
          ? (this.#readyPods.get(service.namespace) ?? []).filter((p) => selects(selector, labelsOf(p)))
          : [];
      this.#endpoints.set(service.fqdn, found);
    }
    return found;
  }

  /** Any pod, ready or not. */
  pod(namespace: string, name: string): Pod | undefined {
    return this.#pods.get(`${namespace}/${name}`);
  }

  /** Memoises a derived answer for the life of this view (subset endpoint lists, ...). */
  memo<T>(key: string, compute: () => T): T {
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = compute();
    if (this.#memo.size > 4096) this.#memo.clear();
    this.#memo.set(key, value);
    return value;
  }

  /** The Service behind a node port and its ready pods, or undefined when nothing uses the port. */
  ingress(nodePort: number): IngressInfo | undefined {
    let found = this.#ingress.get(nodePort);
    if (found === undefined) {
      found = null;
      for (const service of this.services.values()) {
        const port = service.ports.find((p) => p.nodePort === nodePort);
        if (!port?.port) continue;
        const targetPort = typeof port.targetPort === "number" ? port.targetPort : port.port;
        found = { service, port: port.port, targetPort, pods: this.endpoints(service), onNode: true };
        break;
      }
      // Without the node port (the Service made ClusterIP), the gateway pods still listen and a
      // port-forward still reaches them.
      if (!found) {
        const service = [...this.services.values()].find(
          (s) => s.namespace === INGRESS_SERVICE.namespace && s.name === INGRESS_SERVICE.name,
        );
        const port = service?.ports.find((p) => p.name === INGRESS_SERVICE.port);
        if (service && port?.port) {
          const targetPort = typeof port.targetPort === "number" ? port.targetPort : port.port;
          found = { service, port: port.port, targetPort, pods: this.endpoints(service), onNode: false };
        }
      }
      this.#ingress.set(nodePort, found);
    }
    return found ?? undefined;
  }

  /**
   * Gateway servers that the ingress pods carry on the Service's port. Istio accepts the
   * Service port (80, translated to its target) as well as the target port (8080) itself.
   */
  #servers(ingress: IngressInfo) {
    const out: { gateway: string; namespace: string; hosts: string[] }[] = [];
    for (const gw of this.#gateways) {
      if (!ingress.pods.some((p) => selects(gw.spec.selector, labelsOf(p)))) continue;
      for (const server of listOf(gw.spec.servers)) {
        const n = server.port?.number;
        if (n !== ingress.port && n !== ingress.targetPort) continue;
        out.push({
          gateway: `${gw.namespace}/${gw.name}`,
          namespace: gw.namespace,
          hosts: server.hosts ?? [],
        });
      }
    }
    return out;
  }

  /** True when some Gateway makes the ingress pods listen behind `nodePort`. */
  gatewayListens(nodePort: number): boolean {
    const ingress = this.ingress(nodePort);
    return !!ingress && ingress.pods.length > 0 && this.#servers(ingress).length > 0;
  }

  /** Whether the node port itself should accept connections: a Gateway serves it and it is exposed. */
  nodePortOpen(nodePort: number): boolean {
    return this.gatewayListens(nodePort) && this.ingress(nodePort)?.onNode === true;
  }

  /** Routes for a request to `host` arriving at the gateway, or undefined when no server takes the host. */
  gatewayRoutes(nodePort: number, host: string): GatewayRoutes | undefined {
    const key = `${nodePort} ${host}`;
    let found = this.#gatewayRoutes.get(key);
    if (found === undefined) {
      found = this.#computeGatewayRoutes(nodePort, host);
      if (this.#gatewayRoutes.size > 1024) this.#gatewayRoutes.clear();
      this.#gatewayRoutes.set(key, found);
    }
    return found ?? undefined;
  }

  #computeGatewayRoutes(nodePort: number, host: string): GatewayRoutes | null {
    const ingress = this.ingress(nodePort);
    if (!ingress || ingress.pods.length === 0) return null;
    // The accepting gateways' server hosts for this Host, each with the namespaces it admits.
    const accepting = new Map<string, { namespace: string; pattern: string }[]>();
    for (const server of this.#servers(ingress)) {
      for (const entry of server.hosts) {
        const { namespace, host: pattern } = gatewayServerHost(entry, server.namespace);
        if (!hostMatches(pattern, host)) continue;
        const list = accepting.get(server.gateway) ?? [];
        list.push({ namespace, pattern });
        accepting.set(server.gateway, list);
      }
    }
    if (accepting.size === 0) return null;
    // Every server on the port shares one route table whose virtual hosts are the VirtualService
    // hosts narrowed to the Gateway hosts; Envoy answers from the most specific domain that
    // matches, so a VirtualService only counts when its domain is that one.
    let best = Number.NEGATIVE_INFINITY;
    let rules: BoundRule[] = [];
    for (const vs of this.#virtualServices) {
      const hosts = stringsOf(vs.spec.hosts)
        .map((h) => ruleHost(h, vs.namespace))
        .filter((h) => hostMatches(h, host));
      if (hosts.length === 0) continue;
      let domain = Number.NEGATIVE_INFINITY;
      for (const gateway of stringsOf(vs.spec.gateways).map((g) => qualifiedGateway(g, vs.namespace))) {
        for (const server of accepting.get(gateway) ?? []) {
          if (server.namespace !== "*" && server.namespace !== vs.namespace) continue;
          const narrowest = Math.max(specificity(server.pattern), ...hosts.map(specificity));
          domain = Math.max(domain, narrowest);
        }
      }
      if (domain === Number.NEGATIVE_INFINITY || domain < best) continue;
      if (domain > best) {
        best = domain;
        rules = [];
      }
      for (const rule of listOf(vs.spec.http)) rules.push({ rule, namespace: vs.namespace });
    }
    return { gateways: [...accepting.keys()], rules, labels: labelsOf(ingress.pods[0]!) };
  }

  /**
   * The sidecar rules for calls to a service: the oldest mesh VirtualService naming it, an
   * exact host winning over a wildcard. Undefined means plain load balancing over the Service.
   */
  meshRules(fqdn: string): BoundRule[] | undefined {
    let found = this.#meshRules.get(fqdn);
    if (found === undefined) {
      found = null;
      let wildcard: BoundRule[] | null = null;
      for (const vs of this.#virtualServices) {
        const gateways = stringsOf(vs.spec.gateways);
        if (gateways.length > 0 && !gateways.includes("mesh")) continue;
        const hosts = stringsOf(vs.spec.hosts).map((h) => ruleHost(h, vs.namespace));
        const rules = listOf(vs.spec.http).map((rule) => ({ rule, namespace: vs.namespace }));
        if (hosts.includes(fqdn)) {
          found = rules;
          this.#meshRuleAge.set(fqdn, this.#vsCreated.get(`${vs.namespace}/${vs.name}`) ?? "");
          break;
        }
        if (!wildcard && hosts.some((h) => h.includes("*") && hostMatches(h, fqdn))) wildcard = rules;
      }
      found ??= wildcard;
      this.#meshRules.set(fqdn, found);
    }
    return found ?? undefined;
  }

  /** When the VirtualService behind meshRules(fqdn) was created ("" for a wildcard host's). */
  meshRulesCreated(fqdn: string): string {
    this.meshRules(fqdn);
    return this.#meshRuleAge.get(fqdn) ?? "";
  }

  /**
   * The DestinationRule for a host as seen from a client namespace: Istio looks in the client's
   * namespace first, then the service's, then anywhere.
   */
  destinationRule(fqdn: string, clientNamespace: string): DestinationRuleSpec | undefined {
    const matching = this.#destinationRules.filter(
      (dr) => typeof dr.spec.host === "string" && hostMatches(ruleHost(dr.spec.host, dr.namespace), fqdn),
    );
    if (matching.length === 0) return undefined;
    const service = this.services.get(fqdn);
    return (
      matching.find((dr) => dr.namespace === clientNamespace) ??
      matching.find((dr) => dr.namespace === service?.namespace) ??
      matching[0]
    )?.spec;
  }
}
