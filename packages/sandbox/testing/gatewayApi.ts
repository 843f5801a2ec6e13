import type { Kubectl } from "./kubectl.ts";

// GATEWAY_URL for a Gateway API Gateway, found the way Istio's docs find it:
//   INGRESS_HOST=$(kubectl get gtw NAME -o jsonpath='{.status.addresses[0].value}')
//   INGRESS_PORT=$(kubectl get gtw NAME -o jsonpath='{.spec.listeners[?(@.name=="http")].port}')
// The sandbox's load balancer opens the listener's own port on 127.0.0.1 when it can; when it
// cannot (port 80 needs root, or another program holds it) the Service's status says so for that
// port, and the Service's node port on the same address serves it instead.

export interface GatewayUrl {
  /** http://host:port as the docs' commands derive it. */
  docs: string;
  /** What answers: the docs' URL, or the node port when the load balancer could not open the port. */
  url: string;
  /** Why the docs' URL is not the one that answers, if it is not. */
  fallback?: string;
}

async function jsonpath(kubectl: Kubectl, args: string[], path: string): Promise<string> {
  const result = await kubectl(...args, "-o", `jsonpath=${path}`);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout.trim();
}

export async function gatewayUrl(
  kubectl: Kubectl,
  gateway: string,
  options: { namespace?: string; listener?: string; service?: string } = {},
): Promise<GatewayUrl> {
  const ns = options.namespace ? ["-n", options.namespace] : [];
  const listener = options.listener ?? "http";
  const host = await jsonpath(kubectl, [...ns, "get", "gtw", gateway], "{.status.addresses[0].value}");
  const port = await jsonpath(
    kubectl,
    [...ns, "get", "gtw", gateway],
    `{.spec.listeners[?(@.name=="${listener}")].port}`,
  );
  const docs = `http://${host}:${port}`;
  const service = options.service ?? `${gateway}-istio`;
  const error = await jsonpath(
    kubectl,
    [...ns, "get", "svc", service],
    `{.status.loadBalancer.ingress[0].ports[?(@.port==${port})].error}`,
  );
  if (!error) return { docs, url: docs };
  const nodePort = await jsonpath(
    kubectl,
    [...ns, "get", "svc", service],
    `{.spec.ports[?(@.port==${port})].nodePort}`,
  );
  return { docs, url: `http://${host}:${nodePort}`, fallback: error };
}
