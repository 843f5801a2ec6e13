import type { KubeObject } from "../kube.ts";
import { appContainer, calledLines, logsCalls, logsServed, servedLines } from "../logs/appLines.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import type { Store } from "../store/store.ts";
import { jsonAccessLog, textAccessLog } from "./accessLog.ts";
import type { MeshObserver } from "./mesh.ts";

// Writes what the mesh reports into the containers' logs: the proxies' access log lines
// (when the mesh config turns them on, as Istio's demo profile does) and the programs' lines.

interface AccessLogConfig {
  enabled: boolean;
  json: boolean;
}

/** meshConfig.accessLogFile and accessLogEncoding, read from the `istio` ConfigMap. */
function accessLogConfig(configMap: KubeObject | undefined): AccessLogConfig {
  const mesh = String((configMap?.data as Record<string, unknown> | undefined)?.mesh ?? "");
  const file = /^accessLogFile:\s*["']?([^"'\s]*)/m.exec(mesh)?.[1] ?? "";
  const encoding = /^accessLogEncoding:\s*["']?(\w+)/m.exec(mesh)?.[1] ?? "TEXT";
  return { enabled: file !== "", json: encoding.toUpperCase() === "JSON" };
}

export function meshLogWriter(logs: ContainerLogs, store: Store): MeshObserver & { stop(): void } {
  let config = accessLogConfig(store.get("configmaps", "istio-system", "istio"));
  const unsubscribe = store.subscribe((event) => {
    const { metadata } = event.object;
    if (event.resource !== "configmaps" || metadata.namespace !== "istio-system" || metadata.name !== "istio")
      return;
    config = accessLogConfig(event.type === "DELETED" ? undefined : event.object);
  });
  return {
    proxied(hop) {
      if (!config.enabled) return;
      logs.write(
        hop.proxy,
        "istio-proxy",
        config.json ? jsonAccessLog(hop) : textAccessLog(hop),
        hop.started,
      );
    },
    served(pod, request, response, sourceIP) {
      const container = appContainer(pod);
      if (!container || !logsServed(container)) return;
      const lines = servedLines(container, request, response, sourceIP, new Date());
      if (lines.length) logs.write(pod, container.name, lines.join("\n"));
    },
    called(caller, url, request, response) {
      const container = appContainer(caller);
      if (!container || !logsCalls(container)) return;
      const lines = calledLines(container, url, request, response);
      if (lines.length) logs.write(caller, container.name, lines.join("\n"));
    },
    stop: unsubscribe,
  };
}
