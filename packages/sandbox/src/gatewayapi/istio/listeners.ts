import { type LabelSelectorSpec, labelSelectorFromSpec, matchesLabels } from "../../api/selectors.ts";
import type { KubeObject } from "../../kube.ts";
import type { IstioClass } from "./classes.ts";
import type { ConditionResult, Listener, ObjectRef } from "./types.ts";

// A Gateway's listeners as Istio's controller reads them: which protocol it can serve, which
// route kinds and namespaces may attach, and the listener conditions it reports.

export const GATEWAY_GROUP = "gateway.networking.k8s.io";

export interface RouteKind {
  group: string;
  kind: string;
}

export interface ListenerModel {
  index: number;
  name: string;
  port: number;
  protocol: string;
  /** The listener's hostname, "*" when it has none. */
  hostname: string;
  /** Namespaces whose routes may attach: a set, or "*" for every namespace. */
  namespaces: ReadonlySet<string> | "*";
  supportedKinds: RouteKind[];
  conditions: Record<"Accepted" | "Conflicted" | "Programmed" | "ResolvedRefs", ConditionResult>;
  /** Whether the proxy serves traffic on it: a protocol Istio programs. */
  serves: boolean;
}

const NO_ERRORS = "No errors found";
const SUPPORTED = new Set(["HTTP", "HTTPS", "TLS", "TCP", "HBONE"]);

function protocolError(protocol: string, info: IstioClass): string | undefined {
  switch (protocol) {
    case "HTTP":
    case "HTTPS":
      return undefined;
    case "TLS":
    case "TCP":
      return `protocol "${protocol}" is supported, but only when PILOT_ENABLE_ALPHA_GATEWAY_API=true is configured`;
    case "HBONE":
      return info.waypoint ? undefined : `protocol "HBONE" is only supported for waypoint proxies`;
  }
  const upper = protocol.toUpperCase();
  if (SUPPORTED.has(upper))
    return `protocol "${protocol}" is unsupported. hint: "${upper}" (uppercase) may be supported`;
  return `protocol "${protocol}" is unsupported`;
}

const refString = (ref: ObjectRef, namespace: string | undefined) =>
  `${ref.group ?? ""}/${ref.kind ?? "Secret"}/${ref.name ?? ""}.${namespace ?? ""}`;

/** The sandbox serves no Secrets, so a certificate reference never resolves. */
function tlsError(listener: Listener, gatewayNamespace: string): string | undefined {
  const tls = listener.tls;
  if (!tls || tls.mode === "Passthrough") return undefined;
  const refs = tls.certificateRefs ?? [];
  if (refs.length > 2) return "TLS mode can only support up to 2 server certificates";
  const messages: string[] = [];
  for (const ref of refs) {
    const isSecret = (ref.group ?? "") === "" && (ref.kind ?? "Secret") === "Secret";
    if (!isSecret) {
      messages.push(`invalid certificate reference ${refString(ref, ref.namespace)}, only secret is allowed`);
      continue;
    }
    const namespace = ref.namespace ?? gatewayNamespace;
    messages.push(
      `invalid certificate reference ${refString(ref, ref.namespace)}, secret ${namespace}/${ref.name ?? ""} not found`,
    );
  }
  return messages.length ? messages.join("; ") : undefined;
}

function supportedKinds(listener: Listener): { kinds: RouteKind[]; valid: boolean } {
  let supported: RouteKind[] = [];
  switch (listener.protocol) {
    case "HTTP":
    case "HTTPS":
      supported = [
        { group: GATEWAY_GROUP, kind: "HTTPRoute" },
        { group: GATEWAY_GROUP, kind: "GRPCRoute" },
      ];
      break;
    case "TCP":
      supported = [{ group: GATEWAY_GROUP, kind: "TCPRoute" }];
      break;
    case "TLS":
      supported = [
        { group: GATEWAY_GROUP, kind: listener.tls?.mode === "Passthrough" ? "TLSRoute" : "TCPRoute" },
      ];
      break;
  }
  const wanted = listener.allowedRoutes?.kinds ?? [];
  if (wanted.length === 0) return { kinds: supported, valid: true };
  const kinds = supported.filter((s) =>
    wanted.some((w) => w.kind === s.kind && (w.group ?? GATEWAY_GROUP) === s.group),
  );
  return { kinds, valid: kinds.length === wanted.length };
}

function allowedNamespaces(
  listener: Listener,
  gatewayNamespace: string,
  namespaces: readonly KubeObject[],
): ReadonlySet<string> | "*" {
  const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
  if (from === "All") return "*";
  if (from === "Selector") {
    let selector: ReturnType<typeof labelSelectorFromSpec>;
    try {
      selector = labelSelectorFromSpec(
        (listener.allowedRoutes?.namespaces?.selector ?? {}) as LabelSelectorSpec,
      );
    } catch {
      return new Set();
    }
    return new Set(
      namespaces
        .filter((ns) => matchesLabels(selector, ns.metadata.labels))
        .map((ns) => ns.metadata.name ?? ""),
    );
  }
  return new Set([gatewayNamespace]);
}

const ok = (reason: string): ConditionResult => ({ status: "True", reason, message: NO_ERRORS });

export function listenerModel(
  listener: Listener,
  index: number,
  gatewayNamespace: string,
  info: IstioClass,
  namespaces: readonly KubeObject[],
): ListenerModel {
  const protocol = listener.protocol ?? "";
  const port = listener.port ?? 0;
  const conditions: ListenerModel["conditions"] = {
    Accepted: ok("Accepted"),
    Conflicted: { status: "False", reason: "NoConflicts", message: NO_ERRORS },
    Programmed: ok("Programmed"),
    ResolvedRefs: ok("ResolvedRefs"),
  };
  let serves = true;
  const tls = tlsError(listener, gatewayNamespace);
  if (tls) {
    conditions.ResolvedRefs = { status: "False", reason: "InvalidCertificateRef", message: tls };
    conditions.Programmed = { status: "False", reason: "Invalid", message: "Bad TLS configuration" };
    serves = false;
  }
  const unsupported = protocolError(protocol, info);
  if (unsupported) {
    conditions.Accepted = { status: "False", reason: "UnsupportedProtocol", message: unsupported };
    serves = false;
  }
  if (info.waypoint && (port !== 15008 || protocol !== "HBONE")) {
    conditions.Accepted = {
      status: "False",
      reason: "UnsupportedProtocol",
      message: 'Expected a single listener on port 15008 with protocol "HBONE"',
    };
  }
  const { kinds, valid } = supportedKinds(listener);
  if (!valid) {
    conditions.ResolvedRefs = {
      status: "False",
      reason: "InvalidRouteKinds",
      message: "Invalid route kinds",
    };
  }
  return {
    index,
    name: listener.name ?? "",
    port,
    protocol,
    hostname: listener.hostname ?? "*",
    namespaces: allowedNamespaces(listener, gatewayNamespace, namespaces),
    supportedKinds: kinds,
    conditions,
    serves,
  };
}
