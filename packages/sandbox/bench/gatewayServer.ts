import { createServer } from "node:http";
import { freeNodePorts, startDataPlane } from "../src/index.ts";
import { ContainerLogs } from "../src/logs/containerLogs.ts";
import {
  addBookinfo,
  addIngressGateway,
  gateway,
  gatewayVirtualService,
  newStore,
} from "../test/unit/dataplane/fixtures.ts";

// One side of bench/gateway.ts, in a process of its own so the server has a core to itself:
// "gateway" serves Bookinfo through the sandbox's data plane, "plain" serves fixed bytes with a
// bare Node HTTP server. Talks to the parent over IPC.

interface Plain {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const mode = process.argv[2];
const send = (message: unknown) => process.send?.(message);

async function main(): Promise<void> {
  const [port] = (await freeNodePorts(1)) as [number];
  let stop: () => Promise<void>;
  if (mode === "gateway") {
    const store = newStore();
    addIngressGateway(store, port);
    addBookinfo(store, "default", true);
    store.create("gateways.networking.istio.io", gateway("default"));
    store.create("virtualservices.networking.istio.io", gatewayVirtualService("default"));
    // As the sandbox runs it: every proxy writes its access line, the programs their own lines.
    const withLogs = !process.argv.includes("--no-logs");
    if (withLogs)
      store.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "istio", namespace: "istio-system" },
        data: { mesh: "accessLogFile: /dev/stdout\n" },
      });
    const dataPlane = await startDataPlane({
      store,
      httpNodePort: port,
      logs: withLogs ? new ContainerLogs() : undefined,
    });
    stop = () => dataPlane.stop();
    send({ ready: port });
  } else {
    const pages = await new Promise<Plain[]>((resolve) =>
      process.once("message", (m) => resolve(m as Plain[])),
    );
    let next = 0;
    const server = createServer({ keepAliveTimeout: 300_000 }, (_req, res) => {
      const page = pages[next++ % pages.length]!;
      res.writeHead(page.status, page.headers);
      res.end(page.body);
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    stop = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    };
    send({ ready: port });
  }
  process.on("message", async (message) => {
    if (message === "memory") {
      globalThis.gc?.();
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      send({ memory: { rss, heapUsed } });
    } else if (message === "stop") {
      await stop();
      process.exit(0);
    }
  });
}

void main();
