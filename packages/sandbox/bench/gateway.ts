import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { Agent, request } from "node:http";
import { availableParallelism } from "node:os";

// Product pages per second through the sandbox's gateway (routing, productpage, details,
// reviews, ratings, HTML) against a bare Node server answering the same bytes, both at
// concurrency 16 on keep-alive connections; then the gateway's memory over 100,000 requests.
// Each server runs pinned to one core; the load runs in this process on another.
//
//   npx tsx bench/gateway.ts [--seconds 10] [--requests 100000] [--no-logs]
//
// By default the data plane keeps logs as the sandbox does (access lines per proxy, the
// programs' lines); --no-logs measures the routing alone.

const CONCURRENCY = 16;
const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const SECONDS = option("seconds", 10);
const MEMORY_REQUESTS = option("requests", 100_000);

interface Server {
  child: ChildProcess;
  port: number;
  ask<T>(message: unknown, key: string): Promise<T>;
}

function startServer(mode: "gateway" | "plain", page?: unknown): Promise<Server> {
  const script = new URL("./gatewayServer.ts", import.meta.url).pathname;
  const node = [
    ...process.execArgv,
    "--expose-gc",
    script,
    mode,
    ...(args.includes("--no-logs") ? ["--no-logs"] : []),
  ];
  const pinned = availableParallelism() > 1;
  const child = pinned
    ? spawn("taskset", ["-c", "0", process.execPath, ...node], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      })
    : spawn(process.execPath, node, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = <T>(message: unknown, key: string) =>
    new Promise<T>((resolve) => {
      const onMessage = (m: Record<string, unknown>) => {
        if (key in m) {
          child.off("message", onMessage);
          resolve(m[key] as T);
        }
      };
      child.on("message", onMessage);
      if (message !== undefined) child.send(message as string);
    });
  return ask<number>(page, "ready").then((port) => ({ child, port, ask }));
}

function get(
  agent: Agent,
  port: number,
): Promise<{ status: number; body: string; headers: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/productpage", agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString("utf8"),
          headers: res.headers as Record<string, string>,
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

/** CONCURRENCY workers requesting back to back until `until()` says stop. */
async function load(port: number, until: (done: number, elapsedMs: number) => boolean) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let done = 0;
  let errors = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!until(done, performance.now() - started)) {
        const t0 = performance.now();
        try {
          const r = await get(agent, port);
          if (r.status !== 200) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
        done++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { done, errors, rps: (done / elapsed) * 1000, p50: p(0.5), p99: p(0.99) };
}

const stop = (server: Server) =>
  new Promise<void>((resolve) => {
    server.child.once("exit", () => resolve());
    server.child.send("stop");
  });

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  // The load generator keeps to the other core, so it never competes with the server measured.
  if (availableParallelism() > 1)
    spawnSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
  const gateway = await startServer("gateway");
  // The plain server answers the very pages the gateway produced, one per reviews version, in
  // turn, so both sides send the same bytes on average.
  const agent = new Agent({ keepAlive: true });
  const samples = new Map<string, { status: number; headers: Record<string, string>; body: string }>();
  for (let i = 0; i < 100 && samples.size < 3; i++) {
    const page = await get(agent, gateway.port);
    if (page.status !== 200) throw new Error(`gateway answered ${page.status}`);
    const version = !page.body.includes("glyphicon")
      ? "v1"
      : page.body.includes("text-red-500")
        ? "v3"
        : "v2";
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "server", "x-envoy-upstream-service-time"]) {
      if (page.headers[name]) headers[name] = page.headers[name];
    }
    samples.set(version, { status: 200, headers, body: page.body });
  }
  agent.destroy();
  const inOrder = [...samples.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, page]) => page);
  const plain = await startServer("plain", inOrder);
  const sizes = inOrder.map((p) => p.body.length);

  // Warm both up so neither pays for JIT compilation in the measurement.
  await load(gateway.port, (done) => done >= 2000);
  await load(plain.port, (done) => done >= 2000);
  const g = await load(gateway.port, (_d, ms) => ms >= SECONDS * 1000);
  const b = await load(plain.port, (_d, ms) => ms >= SECONDS * 1000);

  console.log(`productpage at concurrency ${CONCURRENCY}, ${SECONDS} s each, server pinned to one core`);
  console.log(`  page sizes               ${sizes.join(", ")} bytes (v1, v2, v3 in turn)`);
  const row = (name: string, r: typeof g) =>
    console.log(
      `  ${name.padEnd(24)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms   errors ${r.errors}`,
    );
  row("gateway (sandbox)", g);
  row("plain node http (ceiling)", b);
  console.log(`  ratio gateway/plain      ${(g.rps / b.rps).toFixed(2)}`);
  await stop(plain);

  console.log(`\ngateway memory over ${MEMORY_REQUESTS} requests (after GC)`);
  const step = MEMORY_REQUESTS / 4;
  const before = await gateway.ask<{ rss: number; heapUsed: number }>("memory", "memory");
  console.log(`  ${"0".padStart(7)} requests   heap ${mb(before.heapUsed)}   rss ${mb(before.rss)}`);
  let last = before;
  for (let i = 1; i <= 4; i++) {
    const r = await load(gateway.port, (done) => done >= step);
    last = await gateway.ask("memory", "memory");
    console.log(
      `  ${String(i * step).padStart(7)} requests   heap ${mb(last.heapUsed)}   rss ${mb(last.rss)}   (${r.rps.toFixed(0)} req/s, errors ${r.errors})`,
    );
  }
  console.log(`  heap growth              ${mb(last.heapUsed - before.heapUsed)}`);
  await stop(gateway);
}

void main();
