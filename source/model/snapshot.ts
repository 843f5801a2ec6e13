import type { KubeObject, Pod } from "./kube.ts";

/** `workshop`: the address a workshop's facilitator recorded for the room (see model/room.ts). */
export type GatewaySource = "LoadBalancer" | "NodePort" | "port-forward" | "flag" | "workshop";

export interface GatewayAddress {
  /** `http://host:port`, what the tutorial calls GATEWAY_URL (with the scheme). */
  url: string;
  source: GatewaySource;
}

export type ReviewsVersion = "v1" | "v2" | "v3";

/** One request to GATEWAY_URL/productpage and what answered it. */
export interface Sample {
  at: number; // epoch ms when the request started
  /** HTTP status, or undefined when the sample is an error (exactly one of code and error is set). */
  code?: number;
  /**
   * What went wrong instead of an answer: a network failure (refused, timeout, reset, dns,
   * other), an answer cut short after its status line (truncated), or a 200 that is not a whole
   * product page (not-productpage).
   */
  error?: "refused" | "timeout" | "reset" | "dns" | "other" | "truncated" | "not-productpage";
  latencyMs: number;
  /** Which reviews version rendered the page; undefined for error pages and non-200s. */
  version?: ReviewsVersion;
  /** The reviews pod named on the page ("Reviews served by:"), when shown. */
  reviewsPod?: string;
  /** Page-level problems the product page reported (details or reviews unavailable). */
  pageErrors?: ("details" | "reviews" | "ratings")[];
  /** Which of the sampler's streams took it (model/streams.ts); absent means anonymous. */
  stream?: string;
  /** For a stream that signs in: false when the page showed nobody signed in (the session was lost). */
  signedIn?: boolean;
}

export interface SampleSummary {
  total: number;
  codes: Record<string, number>;
  errors: Record<string, number>;
  versions: { v1: number; v2: number; v3: number; unknown: number };
  latencyMs: { p50: number; p95: number };
}

export interface IstioInfo {
  installed: boolean;
  version: string | null;
  /** The networking.istio.io version the server serves that we write: v1, else v1beta1, else v1alpha3. */
  networkingVersion: "v1" | "v1beta1" | "v1alpha3" | null;
  /** Whether the namespace can use ambient mode (Istio's ztunnel is present). */
  ambient?: boolean;
  /** True until detection has answered: "not installed" is then not yet known. */
  detecting?: boolean;
}

/**
 * Everything the stage checks and views read, folded from watch events. Stage state is always
 * derived from this, never remembered, so a resumed tour, `status` and the UI agree.
 */
export interface Snapshot {
  context: string;
  namespace: string;
  server: string;
  istio: IstioInfo;
  /** The tour's namespace object (labels decide injection), null when it does not exist. */
  namespaceObject: KubeObject | null;
  pods: Pod[];
  /**
   * Names of the namespace's pods that are gone (the latest, bounded): a page sampled a moment
   * before a rollout replaced its reviews pod was still this namespace's.
   */
  departedPods: string[];
  deployments: KubeObject[];
  services: KubeObject[];
  gateways: KubeObject[];
  virtualServices: KubeObject[];
  destinationRules: KubeObject[];
  /**
   * Gateways and VirtualServices of every namespace (one cluster-wide list and watch each), for
   * what other namespaces bind to the shared ingress gateway. Empty, with a reason in
   * `unreadable`, when this user may not list them across namespaces.
   */
  clusterGateways: KubeObject[];
  clusterVirtualServices: KubeObject[];
  /** Ingress gateway pods (label istio=ingressgateway, or istio=ingress from Helm) in any namespace. */
  ingressPods: Pod[];
  /** The `istio-ingressgateway` Service in istio-system, when there is one. */
  ingressService: KubeObject | null;
  gateway: GatewayAddress | null;
  /**
   * The Host the tour sends to GATEWAY_URL and binds its Gateway to: `--host`, else the one the
   * workshop room gives this namespace; null means any host (the tutorial's "*").
   */
  host: string | null;
  /** The room's settings for this namespace (ConfigMap bookinfo-workshop), null outside a workshop. */
  roomConfig: KubeObject | null;
  /** Where the room's facilitator says the room should be (their pace ConfigMap), when readable. */
  roomPace: KubeObject | null;
  /** The latest samples of GATEWAY_URL/productpage, oldest first (bounded). */
  samples: Sample[];
  /** Wall clock of the snapshot, so pure views can compute ages. */
  now: number;
  /**
   * When the routing (Gateways, VirtualServices, DestinationRules: their specs) was last seen to
   * change; 0 before anything was listed. Routing stages judge only samples started after it.
   */
  routingChangedAt: number;
  /**
   * What this user may not read, with the sentence why (RBAC): a workshop attendee whose rights
   * end at their namespace cannot see the namespace object or istio-system. Cleared by the next
   * successful list of that resource.
   */
  unreadable: Partial<Record<WatchedResource, string>>;
}

export const emptySnapshot = (context: string, namespace: string, server: string): Snapshot => ({
  context,
  namespace,
  server,
  istio: { installed: false, version: null, networkingVersion: null, detecting: true },
  namespaceObject: null,
  pods: [],
  departedPods: [],
  deployments: [],
  services: [],
  gateways: [],
  virtualServices: [],
  destinationRules: [],
  clusterGateways: [],
  clusterVirtualServices: [],
  ingressPods: [],
  ingressService: null,
  gateway: null,
  host: null,
  roomConfig: null,
  roomPace: null,
  samples: [],
  now: Date.now(),
  routingChangedAt: 0,
  unreadable: {},
});

/** The kinds of objects the tour watches; each is one informer in cluster/. */
export type WatchedResource =
  | "namespace"
  | "pods"
  | "deployments"
  | "services"
  | "gateways"
  | "virtualservices"
  | "destinationrules"
  | "clusterGateways"
  | "clusterVirtualServices"
  | "ingressPods"
  | "ingressService"
  | "roomConfig"
  | "roomPace";

/** Everything that changes a Snapshot; the reducer in model/ folds these in order. */
export type SnapshotEvent =
  | { kind: "object"; resource: WatchedResource; type: "ADDED" | "MODIFIED" | "DELETED"; object: KubeObject }
  /** A full (re)list: replaces everything known of that resource. */
  | { kind: "synced"; resource: WatchedResource; objects: KubeObject[] }
  /** The user may not list that resource: it stays as last known (empty at first). */
  | { kind: "unreadable"; resource: WatchedResource; reason: string }
  | { kind: "istio"; istio: IstioInfo }
  | { kind: "gateway"; gateway: GatewayAddress | null }
  | { kind: "host"; host: string | null }
  | { kind: "sample"; sample: Sample }
  | { kind: "tick"; now: number };
