import type { Network } from "../exec/index.ts";
import type { KubeObject, Pod } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { dnsCandidates } from "./hosts.ts";
import type { SimRequest, SimResponse } from "./http.ts";
import type { Mesh } from "./mesh.ts";
import { hasSidecar } from "./meshIndex.ts";
import type { MeshView } from "./meshView.ts";
import { CallError, type ProgramFor } from "./workload.ts";

// The network a process started by `kubectl exec` uses: the cluster DNS and the pod's
// sidecar for outbound calls, and the pod's own ports on localhost.

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"]);

function serviceSpec(svc: KubeObject | undefined): { clusterIP?: string } {
  return (svc?.spec ?? {}) as { clusterIP?: string };
}

/** Envoy's admin and health ports in a pod with a sidecar, on localhost. */
function proxyLocal(port: number, path: string): SimResponse | undefined {
  const text = (status: number, body: string): SimResponse => ({
    status,
    headers: {
      "content-type": "text/plain; charset=UTF-8",
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  });
  if (port === 15021) return path.startsWith("/healthz/ready") ? text(200, "") : text(404, "");
  if (port === 15000) return path === "/ready" ? text(200, "LIVE\n") : text(404, "invalid path\n");
  return undefined;
}

export function podNetwork(options: {
  pod: Pod;
  mesh: Mesh;
  view: MeshView;
  store: Store;
  programFor: ProgramFor;
}): Network {
  const { pod, mesh, store, programFor } = options;
  const namespace = pod.metadata.namespace ?? "default";
  const sidecar = hasSidecar(pod);

  const serviceFor = (host: string) => {
    for (const name of dnsCandidates(host, namespace)) {
      const match = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(name);
      if (!match) continue;
      const svc = store.get("services", match[2], match[1]!);
      if (svc) return svc;
    }
    return undefined;
  };
  const byClusterIP = (ip: string) =>
    [...store.peek("services")].find((s) => serviceSpec(s).clusterIP === ip && ip !== "None");

  const isLocal = (host: string) =>
    LOCAL_HOSTS.has(host) || host === pod.status?.podIP || host === pod.metadata.name?.toLowerCase();

  /** Adds what the pod's Envoy puts on every response it hands back to the app. */
  const fromProxy = (response: SimResponse): SimResponse =>
    sidecar
      ? { ...response, headers: { server: "envoy", date: new Date().toUTCString(), ...response.headers } }
      : response;

  async function local(port: number, request: SimRequest, timeoutMs: number, signal: AbortSignal) {
    const own = programFor(pod);
    const ports = new Set([
      9080,
      ...(pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
    ]);
    if (sidecar) {
      const reply = proxyLocal(port, request.path);
      if (reply) return reply;
    }
    if (!own || !ports.has(port)) throw new CallError("refused", `localhost:${port}: Connection refused`);
    const controller = new AbortController();
    const abort = () => controller.abort(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    const timer = setTimeout(() => controller.abort(new CallError("timeout", "timed out")), timeoutMs);
    try {
      return await Promise.race([
        mesh.toPod(pod, own, request, controller.signal),
        new Promise<never>((_, reject) =>
          controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true }),
        ),
      ]);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
  }

  return {
    resolve(host) {
      if (isLocal(host))
        return host === "::1" || host === "[::1]" ? "::1" : host === pod.status?.podIP ? host : "127.0.0.1";
      if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return host;
      const ip = serviceSpec(serviceFor(host)).clusterIP;
      return ip && ip !== "None" ? ip : undefined;
    },
    async fetch(url, init, signal) {
      const m = /^http:\/\/(\[[^\]]+\]|[^/:]+):(\d+)(.*)$/.exec(url);
      if (!m) throw new CallError("dns", `unsupported URL ${url}`);
      const host = m[1]!;
      const port = Number(m[2]);
      const path = m[3] || "/";
      const request: SimRequest = { method: init.method, path, headers: init.headers, body: init.body };
      if (isLocal(host)) return local(port, request, init.timeoutMs, signal);
      let target = host;
      if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
        const svc = byClusterIP(host);
        if (svc) target = `${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`;
        else {
          const direct = [...store.peek("pods")].find((p) => (p as Pod).status?.podIP === host) as
            | Pod
            | undefined;
          const program = direct && programFor(direct);
          if (!direct || !program) throw new CallError("refused", `${host}:${port}: Connection refused`);
          return fromProxy(await mesh.toPod(direct, program, request, signal));
        }
      }
      const response = await mesh.fromPod(
        pod,
        `http://${target}:${port}${path}`,
        { method: init.method, headers: init.headers, body: init.body, timeoutMs: init.timeoutMs },
        signal,
      );
      return fromProxy(response);
    },
  };
}
