import { Agent, request } from "node:https";
import type { Kubectl } from "@kubectl-bookinfo/sandbox/testing";
import { FUZZ_NAMESPACE, type FuzzCase } from "./fuzzCases.ts";

export interface ApiEndpoint {
  /** https://127.0.0.1:port */
  server: string;
  token: string;
  ca: string;
}

export interface FuzzOutcome {
  status: number | "timeout" | "connection error";
  ms: number;
  message: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one case exactly as written (no URL normalisation) and reads the whole answer. */
export function sendCase(api: ApiEndpoint, fuzz: FuzzCase, timeoutMs = 10_000): Promise<FuzzOutcome> {
  const server = new URL(api.server);
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: FuzzOutcome["status"], message: string) => {
      clearTimeout(timer);
      resolve({ status, ms: performance.now() - started, message });
    };
    const req = request({
      host: server.hostname,
      port: server.port,
      method: fuzz.method,
      path: fuzz.path,
      ca: api.ca,
      agent,
      headers: {
        Authorization: `Bearer ${api.token}`,
        ...(fuzz.contentType ? { "Content-Type": fuzz.contentType } : {}),
        ...(fuzz.body !== undefined ? { "Content-Length": Buffer.byteLength(fuzz.body) } : {}),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      done("timeout", "");
    }, timeoutMs);
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        // A watch that does not end, or a huge list, is read only as far as the verdict needs.
        if (size < 64 * 1024) chunks.push(chunk);
        size += chunk.length;
      });
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let message = "";
        try {
          message = JSON.parse(text).message ?? "";
        } catch {
          message = text.slice(0, 200);
        }
        done(res.statusCode ?? 0, message);
      });
      res.on("error", () => done(res.statusCode ?? 0, "body cut"));
    });
    req.on("error", (error) => done("connection error", error.message));
    req.end(fuzz.body);
  });
}

/** What the cases need: the namespace, Deployment `web` and one object of each generated kind. */
export async function prepareFuzzTarget(kubectl: Kubectl): Promise<void> {
  const ok = async (...args: string[]) => {
    const result = await kubectl(...args);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
  };
  await ok("create", "namespace", FUZZ_NAMESPACE);
  await ok("-n", FUZZ_NAMESPACE, "create", "deployment", "web", "--image=nginx");
  await ok("-n", FUZZ_NAMESPACE, "create", "configmap", "gen", "--from-literal=k=v");
  await ok("-n", FUZZ_NAMESPACE, "create", "service", "clusterip", "gen", "--tcp=80:8080");
  await ok("-n", FUZZ_NAMESPACE, "create", "serviceaccount", "gen");
  await ok("-n", FUZZ_NAMESPACE, "rollout", "status", "deploy/web", "--timeout=60s");
}

/** What `kubectl get pods -A` shows, one line per pod, for comparing before and after. */
export async function podsEverywhere(kubectl: Kubectl): Promise<string> {
  const result = await kubectl(
    "get",
    "pods",
    "-A",
    "--no-headers",
    "-o",
    "custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,UID:.metadata.uid",
  );
  if (result.code !== 0) throw new Error(`kubectl get pods -A: ${result.stderr}`);
  return result.stdout;
}

/** Whether an outcome is acceptable for a case: never a 5xx or no answer, and one it expects. */
export function acceptable(fuzz: FuzzCase, outcome: FuzzOutcome): boolean {
  if (typeof outcome.status !== "number" || outcome.status >= 500) return false;
  return fuzz.expect.length === 0 || fuzz.expect.includes(outcome.status);
}
