import { randomBytes } from "node:crypto";
import { applyDefaults } from "./api/defaults.ts";
import { ObjectService } from "./api/objects.ts";
import { recordUpdate } from "./api/patch.ts";
import { findResourceByKind } from "./api/resources.ts";
import { type ApiServer, startApiServer } from "./api/server.ts";
import { StatusError } from "./api/status.ts";
import { validate } from "./api/validation.ts";
import { Authenticator, type StaticUser } from "./auth/authenticator.ts";
import { PRIVILEGED_GROUP } from "./auth/user.ts";
import { startControllers } from "./controllers/index.ts";
import { sidecarInjection } from "./controllers/injection.ts";
import { customResourceAdmission } from "./crd/admission.ts";
import { crdAdmission } from "./crd/definitions.ts";
import { type DataPlane, startDataPlane } from "./dataplane/index.ts";
import { gatewayApiBundle } from "./gatewayapi/bundle.ts";
import { istioCrds } from "./istio/crds.ts";
import { type IstioProfile, istioSeedObjects } from "./istio/seed.ts";
import { istioValidation } from "./istio/validation.ts";
import type { KubeObject } from "./kube.ts";
import { sandboxKubeconfig } from "./kubeconfig.ts";
import { ContainerLogs } from "./logs/containerLogs.ts";
import { makeServingCertificates } from "./pki/certificates.ts";
import { freeNodePorts } from "./ports.ts";
import { rbacAdmission } from "./rbac/admission.ts";
import { settleAggregation } from "./rbac/aggregation.ts";
import { RbacAuthorizer } from "./rbac/authorizer.ts";
import {
  defaultClusterRoleBindings,
  defaultClusterRoles,
  gatewayApiClusterRoles,
  istioClusterRoles,
} from "./rbac/bootstrap.ts";
import { RBAC_GROUP } from "./rbac/kinds.ts";
import { startWorkshopGrant } from "./rbac/workshopGrant.ts";
import { DEFAULT_BUDGET, type StoreBudget } from "./store/budget.ts";
import { Store } from "./store/store.ts";

export const ISTIO_VERSION = "1.28.1";
export const SANDBOX_NODE = "bookinfo-sandbox-control-plane";
/**
 * The one namespace the workshop user may use, as a cluster admin grants each attendee of a
 * workshop on a shared cluster. The sandbox does not create it: the admin does.
 */
export const WORKSHOP_NAMESPACE = "workshop";

export interface SandboxOptions {
  /** Divides every simulated delay (image pulls, readiness, termination). */
  speed?: number;
  /** Namespace written into the kubeconfig's contexts. */
  namespace?: string;
  /** Whether the cluster has Istio (istio-system, its CRDs, the injector); default true. */
  istio?: boolean;
  /**
   * What `istioctl install --set profile=...` installed: "default" (istiod and the
   * istio-ingressgateway, the default), "minimal" (istiod only; ingress through the Gateway API)
   * or "ambient" (istiod, the CNI node agent and ztunnel; no ingress gateway).
   */
  profile?: IstioProfile;
  /**
   * Whether the Gateway API CRDs (standard channel) are installed at start, as after
   * `kubectl apply -f standard-install.yaml`. Default false with the default profile, as on a
   * fresh cluster; true with "minimal" and "ambient", whose ingress is a Gateway API Gateway.
   */
  gatewayApi?: boolean;
  /**
   * Whether LoadBalancer Services get an external IP (127.0.0.1, with their ports opened there);
   * default true. false is a cluster without one, as kind or minikube without a tunnel: the IP
   * stays pending, and so does a Gateway API Gateway's Programmed condition.
   */
  loadBalancer?: boolean;
  /** Interval of watch bookmarks; tests shorten it. */
  bookmarkIntervalMs?: number;
  /** The cluster's clock (timestamps, token lifetimes); tests move it forward to expire tokens. */
  clock?: () => Date;
  /** How much the store may hold (see DEFAULT_BUDGET); tests shrink it. */
  budget?: Partial<StoreBudget>;
}

/** Faults a test or benchmark injects into the API server; the store and controllers go on. */
export interface ApiFaults {
  /** Stops the API listener (connections cut, the port closed) until startApi(). */
  stopApi(): Promise<void>;
  /** Starts it again on the same port, with the same certificate, tokens and state. */
  startApi(): Promise<void>;
  /** stopApi() then startApi(): a killed and restarted API server that kept its etcd. */
  restartApi(): Promise<void>;
  /** Answers every request with `code` (429 or 500, as an overloaded server does) for `ms`. */
  failRequests(code: 429 | 500, ms: number): void;
}

export interface Sandbox {
  server: string;
  kubeconfig: string;
  /** Token of `bookinfo-admin`, in group system:masters: everything. */
  adminToken: string;
  /** Token of `bookinfo-viewer`, bound to the `view` ClusterRole cluster-wide: reads, no writes. */
  viewerToken: string;
  /** Token of `bookinfo-workshop`: admin of namespace `workshop` (once it exists), nothing else. */
  workshopToken: string;
  ingress: { httpNodePort: number; httpsNodePort: number; statusNodePort: number };
  objects: ObjectService;
  store: Store;
  /** The ingress gateway and the simulated Bookinfo services. */
  dataPlane: DataPlane;
  /** What the containers printed, as kubelet keeps it for `kubectl logs`. */
  logs: ContainerLogs;
  faults: ApiFaults;
  stop(): Promise<void>;
}

/** Starts the simulated cluster in this process: API server, controllers and Istio's seed. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const speed = options.speed && options.speed > 0 ? options.speed : 1;
  const [certificates, ports] = await Promise.all([makeServingCertificates(), freeNodePorts(3)]);
  const [httpNodePort, httpsNodePort, statusNodePort] = ports as [number, number, number];

  const store = new Store(options.clock, { ...DEFAULT_BUDGET, ...options.budget });
  const objects = new ObjectService(
    store,
    [
      applyDefaults,
      crdAdmission,
      sidecarInjection,
      customResourceAdmission,
      validate,
      istioValidation,
      rbacAdmission,
    ],
    recordUpdate,
  );
  const profile = options.profile ?? "default";
  const gatewayApi = options.gatewayApi ?? profile !== "default";
  const cluster = istioSeedObjects({
    istioVersion: ISTIO_VERSION,
    profile,
    httpNodePort,
    httpsNodePort,
    statusNodePort,
    nodeName: SANDBOX_NODE,
  });
  seed(objects, [
    ...(gatewayApi ? gatewayApiBundle("standard") : []),
    ...(options.istio === false ? cluster.filter((o) => !isIstio(o)) : [...istioCrds(), ...cluster]),
  ]);
  seed(objects, accessControl(options.istio !== false));
  RbacAuthorizer.of(store);
  const logs = new ContainerLogs();
  const controllers = startControllers({
    objects,
    nodeName: SANDBOX_NODE,
    speed,
    logs,
    istioVersion: ISTIO_VERSION,
  });
  const stopWorkshopGrant = startWorkshopGrant(objects, WORKSHOP_NAMESPACE, WORKSHOP_USER);
  const dataPlane = await startDataPlane({
    store,
    httpNodePort,
    caPem: certificates.caPem,
    logs,
    objects,
    loadBalancer: options.loadBalancer,
  });

  const adminToken = randomBytes(24).toString("hex");
  const viewerToken = randomBytes(24).toString("hex");
  const workshopToken = randomBytes(24).toString("hex");
  // The sandbox's own users, as a token auth file lists them; what they may do comes from RBAC.
  const staticTokens = new Map<string, StaticUser>([
    [adminToken, { name: ADMIN_USER, groups: [PRIVILEGED_GROUP] }],
    [viewerToken, { name: VIEWER_USER, groups: [] }],
    [workshopToken, { name: WORKSHOP_USER, groups: [] }],
  ]);
  let failing: { code: 429 | 500; until: number } | undefined;
  const apiOptions = {
    objects,
    tls: certificates,
    bookmarkIntervalMs: options.bookmarkIntervalMs,
    pods: dataPlane,
    authenticator: new Authenticator(store, staticTokens),
    logs,
    intercept: () => {
      if (!failing || Date.now() >= failing.until) return undefined;
      return failing.code === 429
        ? new StatusError(429, "TooManyRequests", "Too many requests, please try again later.", {
            retryAfterSeconds: 1,
          })
        : new StatusError(500, "InternalError", "Internal error occurred: the sandbox was told to fail");
    },
  };
  let api: ApiServer | undefined = await startApiServer(apiOptions);
  const port = api.port;
  const faults: ApiFaults = {
    async stopApi() {
      const running = api;
      api = undefined;
      await running?.close();
    },
    async startApi() {
      api ??= await startApiServer({ ...apiOptions, port });
    },
    async restartApi() {
      await faults.stopApi();
      await faults.startApi();
    },
    failRequests(code, ms) {
      failing = { code, until: Date.now() + ms };
    },
  };

  let stopped = false;
  const server = api.url;
  return {
    server,
    kubeconfig: sandboxKubeconfig({
      server,
      caPem: certificates.caPem,
      adminToken,
      viewerToken,
      workshopToken,
      workshopNamespace: WORKSHOP_NAMESPACE,
      namespace: options.namespace,
    }),
    adminToken,
    viewerToken,
    workshopToken,
    ingress: { httpNodePort, httpsNodePort, statusNodePort },
    objects,
    store,
    dataPlane,
    logs,
    faults,
    async stop() {
      if (stopped) return;
      stopped = true;
      await dataPlane.stop();
      stopWorkshopGrant();
      controllers.stop();
      await faults.stopApi();
    },
  };
}

function seed(objects: ObjectService, seedObjects: KubeObject[]): void {
  for (const object of seedObjects) {
    const resource = findResourceByKind(object.apiVersion ?? "", object.kind ?? "");
    if (!resource)
      throw new Error(`the sandbox seed has an object of unserved kind ${object.apiVersion} ${object.kind}`);
    objects.create(resource, object.metadata.namespace, object, { manager: "sandbox-bootstrap" });
  }
}

const ADMIN_USER = "bookinfo-admin";
const VIEWER_USER = "bookinfo-viewer";
const WORKSHOP_USER = "bookinfo-workshop";

/**
 * RBAC as a new cluster has it (with Istio's user-facing roles when Istio is installed), plus
 * the grants of the sandbox's viewer and workshop users. Aggregated roles start aggregated, as
 * the controller would leave them a moment after start-up.
 */
function accessControl(istio: boolean): KubeObject[] {
  const roles = settleAggregation([
    ...defaultClusterRoles(),
    ...(istio ? istioClusterRoles() : []),
    ...gatewayApiClusterRoles(),
  ]);
  const viewer = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "ClusterRoleBinding",
    metadata: { name: VIEWER_USER },
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: VIEWER_USER }],
  };
  return [...roles, ...defaultClusterRoleBindings(), viewer];
}

/** What installing Istio added to the seed: istio-system and everything in it, and the injector. */
function isIstio(object: KubeObject): boolean {
  return (
    object.metadata.namespace === "istio-system" ||
    (object.kind === "Namespace" && object.metadata.name === "istio-system") ||
    object.kind === "MutatingWebhookConfiguration" ||
    object.kind === "ValidatingWebhookConfiguration"
  );
}
