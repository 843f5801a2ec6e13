import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { hasSidecar } from "../src/dataplane/meshIndex.ts";
import type { Pod } from "../src/kube.ts";
import { type Kubectl, kubectlFor } from "./kubectl.ts";
import { openSandbox, type TestSandbox, until } from "./sandbox.ts";

// The tutorial as a user runs it against the sandbox: the real kubectl applies the manifests,
// the real curl asks the gateway's NodePort.

export const manifest = (name: string) => new URL(`../../../manifests/${name}`, import.meta.url).pathname;
export const fixture = (name: string) =>
  new URL(`../test/fixtures/dataplane/${name}`, import.meta.url).pathname;

export interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real curl, without a shell. */
export function curl(...args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile("curl", args, { timeout: 30_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Page {
  status: number;
  body: string;
}

const END = "\n@@curl-end@@ ";

/**
 * `count` GETs of `url` by one curl process (one keep-alive connection, like a browser
 * refreshing), optionally with a cookie jar.
 */
export async function pages(url: string, count: number, jar?: string): Promise<Page[]> {
  const args = ["-sS", "-w", `${END}%{http_code}\n`, ...(jar ? ["-b", jar] : [])];
  for (let i = 0; i < count; i++) args.push(url);
  const result = await curl(...args);
  assert.equal(result.code, 0, `curl failed: ${result.stderr}`);
  const out: Page[] = [];
  let rest = result.stdout;
  for (;;) {
    const at = rest.indexOf(END);
    if (at === -1) break;
    const eol = rest.indexOf("\n", at + END.length);
    out.push({ body: rest.slice(0, at), status: Number(rest.slice(at + END.length, eol)) });
    rest = rest.slice(eol + 1);
  }
  assert.equal(out.length, count);
  return out;
}

/** Which reviews version a product page shows (the same markers the docs' tests grep). */
export function reviewsVersion(body: string): "v1" | "v2" | "v3" | "error" {
  if (body.includes("Error fetching product reviews")) return "error";
  const pod = /Reviews served by:[\s\S]*?(reviews-(v\d)-[a-z0-9]+-[a-z0-9]+)/.exec(body);
  const stars = body.includes("glyphicon glyphicon-star");
  const version = !stars ? "v1" : body.includes("gap-x-1 text-red-500") ? "v3" : "v2";
  if (pod) assert.equal(pod[2], version, `served by ${pod[1]} but the page looks like ${version}`);
  return version;
}

export function tally(list: Page[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of list) {
    const v = p.status === 200 ? reviewsVersion(p.body) : `HTTP ${p.status}`;
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

export interface Tutorial {
  env: TestSandbox;
  kubectl: Kubectl;
  ns: string;
  /** http://$INGRESS_HOST:$INGRESS_PORT, found the way the docs find it. */
  gatewayUrl: string;
  ok(...args: string[]): Promise<string>;
  /** Signs in as `user` through the gateway and returns the cookie jar file. */
  login(user: string): Promise<string>;
  close(): Promise<void>;
}

const readyBookinfo = (env: TestSandbox, ns: string, sidecars: boolean) => () => {
  const pods = [...env.sandbox.store.peek("pods", ns)] as Pod[];
  return (
    pods.length === 6 &&
    pods.every(
      (p) =>
        !p.metadata.deletionTimestamp &&
        hasSidecar(p) === sidecars &&
        p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    )
  );
};

/** A sandbox with Bookinfo deployed in `ns` (with sidecars when `inject`), all pods ready. */
export async function deployBookinfo(ns: string, inject: boolean): Promise<Tutorial> {
  const env = await openSandbox({ speed: 50 });
  const kubectl = kubectlFor(env.kubeconfig);
  const ok = async (...args: string[]) => {
    const result = await kubectl(...args);
    assert.equal(result.code, 0, `kubectl ${args.join(" ")} failed: ${result.stderr}`);
    return result.stdout;
  };
  await ok("create", "namespace", ns);
  if (inject) await ok("label", "namespace", ns, "istio-injection=enabled");
  await ok("-n", ns, "apply", "-f", manifest("bookinfo.yaml"));
  await until(env.sandbox, readyBookinfo(env, ns, inject), 30_000);
  const host = await ok(
    "-n",
    "istio-system",
    "get",
    "pod",
    "-l",
    "istio=ingressgateway",
    "-o",
    "jsonpath={.items[0].status.hostIP}",
  );
  const port = await ok(
    "-n",
    "istio-system",
    "get",
    "service",
    "istio-ingressgateway",
    "-o",
    'jsonpath={.spec.ports[?(@.name=="http2")].nodePort}',
  );
  const gatewayUrl = `http://${host}:${port}`;
  let jars = 0;
  return {
    env,
    kubectl,
    ns,
    gatewayUrl,
    ok,
    async login(user: string) {
      const jar = join(env.dir, `jar-${user}-${jars++}`);
      const result = await curl(
        "-sS",
        "-c",
        jar,
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-urlencode",
        `username=${user}`,
        "--data",
        "passwd=",
        `${gatewayUrl}/login`,
      );
      assert.equal(result.stdout, "302", result.stderr);
      return jar;
    },
    async close() {
      await env.close();
    },
  };
}

/** Waits until no pod of `app` is left in `ns` (scaled to zero and terminated). */
export function podsGone(t: Tutorial, prefix: string): Promise<boolean> {
  return until(t.env.sandbox, () =>
    [...t.env.sandbox.store.peek("pods", t.ns)].every((p) => !p.metadata.name?.startsWith(prefix)),
  );
}
