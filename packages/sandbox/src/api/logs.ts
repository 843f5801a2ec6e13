import type { ServerResponse } from "node:http";
import type { ContainerStatus, Pod } from "../kube.ts";
import type { ContainerLogs, LogLine } from "../logs/containerLogs.ts";
import { badRequest } from "./status.ts";

// pods/{name}/log as the API server and kubelet answer it: the container chosen or defaulted
// the way the API server does, kubelet's refusals for containers without logs, then the lines
// (tailLines, sinceSeconds, sinceTime, limitBytes, timestamps), and with follow=true new ones
// as they are written, until the container stops.

/** The API server's choice of container, and its words when it cannot choose. */
export function logContainer(pod: Pod, requested: string | null): string {
  const name = pod.metadata.name ?? "";
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const inits = (pod.spec?.initContainers ?? []).map((c) => c.name);
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    const initHint = inits.length ? ` or one of the init containers: [${inits.join(" ")}]` : "";
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]${initHint}`,
    );
  }
  if (!containers.includes(requested) && !inits.includes(requested))
    throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/** kubelet's validateContainerLogStatus: whether the container has logs to show. */
export function checkLogStatus(pod: Pod, container: string, previous: boolean): void {
  const name = pod.metadata.name ?? "";
  const statuses: ContainerStatus[] = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === container);
  if (!status) throw badRequest(`container "${container}" in pod "${name}" is not available`);
  const last = status.lastState?.terminated as { containerID?: string } | undefined;
  const { waiting, running, terminated } = status.state ?? {};
  if (previous) {
    if (!last?.containerID)
      throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return;
  }
  if (running) return;
  if (terminated) {
    if ((terminated as { containerID?: string }).containerID || last?.containerID) return;
    throw badRequest(`container "${container}" in pod "${name}" is terminated`);
  }
  if (last) return;
  if (waiting) {
    const reason = waiting.reason ?? "";
    if (reason === "ErrImagePull")
      throw badRequest(
        `container "${container}" in pod "${name}" is waiting to start: image can't be pulled`,
      );
    if (reason === "ImagePullBackOff")
      throw badRequest(
        `container "${container}" in pod "${name}" is waiting to start: trying and failing to pull image`,
      );
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
  throw badRequest(`container "${container}" in pod "${name}" is waiting to start - no logs yet`);
}

export interface LogQuery {
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: string;
  limitBytes?: number;
  timestamps: boolean;
}

function integer(query: URLSearchParams, name: string, min: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badRequest(`${name}: Invalid value: "${raw}": must be an integer`);
  if (value < min)
    throw badRequest(
      `PodLogOptions "" is invalid: ${name}: Invalid value: ${value}: must be greater than ${min - 1}`,
    );
  return value;
}

export function parseLogQuery(query: URLSearchParams): LogQuery {
  return {
    tailLines: integer(query, "tailLines", 0),
    sinceSeconds: integer(query, "sinceSeconds", 1),
    sinceTime: query.get("sinceTime") ?? undefined,
    limitBytes: integer(query, "limitBytes", 1),
    timestamps: query.get("timestamps") === "true",
  };
}

/** The lines a query selects, rendered as kubelet sends them. */
export function selectLines(lines: readonly LogLine[], query: LogQuery, now: number): string {
  let selected = [...lines];
  const since =
    query.sinceSeconds !== undefined
      ? now - query.sinceSeconds * 1000
      : query.sinceTime
        ? Date.parse(query.sinceTime)
        : undefined;
  if (since !== undefined && !Number.isNaN(since))
    selected = selected.filter((l) => Date.parse(l.at) >= since);
  if (query.tailLines !== undefined) selected = query.tailLines === 0 ? [] : selected.slice(-query.tailLines);
  return selected.map((l) => render(l, query)).join("");
}

const render = (line: LogLine, query: LogQuery) =>
  query.timestamps ? `${line.at} ${line.text}\n` : `${line.text}\n`;

/** Answers a log request for `container` of `pod` (checked already). */
export function serveLog(
  res: ServerResponse,
  logs: ContainerLogs | undefined,
  pod: Pod,
  container: string,
  query: URLSearchParams,
  onClose: (stop: () => void) => void,
): void {
  const previous = query.get("previous") === "true";
  checkLogStatus(pod, container, previous);
  const options = parseLogQuery(query);
  const uid = pod.metadata.uid ?? "";
  let text = selectLines(logs?.read(uid, container, previous) ?? [], options, Date.now());
  let budget = options.limitBytes;
  const limit = (chunk: string): string => {
    if (budget === undefined) return chunk;
    const bytes = Buffer.from(chunk);
    const cut = bytes.subarray(0, budget);
    budget -= cut.length;
    return cut.toString("utf8");
  };
  text = limit(text);
  const running = (pod.status?.containerStatuses ?? []).some((s) => s.name === container && s.state?.running);
  const follow = query.get("follow") === "true" && !previous && running && logs !== undefined;
  res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
  if (!follow) {
    res.end(text);
    return;
  }
  if (text) res.write(text);
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    res.end();
  };
  const unsubscribe = logs!.follow(uid, container, {
    line(line) {
      if (done) return;
      const chunk = limit(render(line, options));
      if (chunk) res.write(chunk);
      if (budget === 0) finish();
    },
    end: finish,
  });
  if (budget === 0) finish();
  res.on("close", () => {
    done = true;
    unsubscribe();
  });
  onClose(finish);
}
