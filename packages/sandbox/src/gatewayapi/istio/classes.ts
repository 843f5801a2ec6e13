// The GatewayClasses istiod creates and what each means for the Gateways that use it: who the
// controller is, whether Istio deploys the gateway, how the generated objects are named and what
// kind of address the Gateway's status reports.

export const GATEWAY_CONTROLLER = "istio.io/gateway-controller";
export const MESH_CONTROLLER = "istio.io/mesh-controller";
export const UNMANAGED_CONTROLLER = "istio.io/unmanaged-gateway";

export interface IstioClass {
  controller: string;
  description: string;
  /** Istio deploys a Deployment, Service and ServiceAccount for each Gateway of the class. */
  deploys: boolean;
  /** The `gateway.istio.io/managed` label on what it deploys. */
  managedLabel: string;
  defaultServiceType: "LoadBalancer" | "ClusterIP";
  /** Which internal address the status reports when there is no external one; "" means both. */
  addressType: "Hostname" | "IPAddress" | "";
  /** Whether the generated objects are named `<gateway>-<class>` (else just `<gateway>`). */
  nameSuffix: boolean;
  waypoint: boolean;
}

const CLASSES: Record<string, IstioClass> = {
  [GATEWAY_CONTROLLER]: {
    controller: GATEWAY_CONTROLLER,
    description: "The default Istio GatewayClass",
    deploys: true,
    managedLabel: "istio.io-gateway-controller",
    defaultServiceType: "LoadBalancer",
    addressType: "Hostname",
    nameSuffix: true,
    waypoint: false,
  },
  [UNMANAGED_CONTROLLER]: {
    controller: UNMANAGED_CONTROLLER,
    description: "Remote to this cluster. Does not deploy or affect configuration.",
    deploys: false,
    managedLabel: "",
    defaultServiceType: "LoadBalancer",
    addressType: "Hostname",
    nameSuffix: true,
    waypoint: false,
  },
  [MESH_CONTROLLER]: {
    controller: MESH_CONTROLLER,
    description: "The default Istio waypoint GatewayClass",
    deploys: true,
    managedLabel: "istio.io-mesh-controller",
    defaultServiceType: "ClusterIP",
    addressType: "",
    nameSuffix: false,
    waypoint: true,
  },
};

/** The classes istiod creates (and recreates when deleted); the waypoint class only with ambient on. */
export function builtinClasses(ambient: boolean): { name: string; info: IstioClass }[] {
  return [
    { name: "istio", info: CLASSES[GATEWAY_CONTROLLER]! },
    { name: "istio-remote", info: CLASSES[UNMANAGED_CONTROLLER]! },
    ...(ambient ? [{ name: "istio-waypoint", info: CLASSES[MESH_CONTROLLER]! }] : []),
  ];
}

/** Istio's handling of a class's controllerName, or undefined when another controller owns it. */
export function istioClass(controllerName: unknown, ambient: boolean): IstioClass | undefined {
  if (typeof controllerName !== "string") return undefined;
  if (controllerName === MESH_CONTROLLER && !ambient) return undefined;
  return CLASSES[controllerName];
}

/** The Deployment, Service and ServiceAccount name Istio gives a Gateway's proxies. */
export function deployedName(gatewayName: string, className: string, info: IstioClass): string {
  return info.nameSuffix ? `${gatewayName}-${className}` : gatewayName;
}

/** "a", "a and b", "a, b, and c": how Istio lists services in status messages. */
export function humanReadableJoin(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "";
  if (items.length === 2) return `${items[0]} and ${items[1]}`;
  return `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;
}
