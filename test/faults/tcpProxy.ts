import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/**
 * A TCP proxy in front of a server (the sandbox's API) that can cut every connection at once or
 * black-hole them: accept and keep sockets open but pass nothing, as a vanished peer behind a
 * NAT or a dead link does. TLS passes through untouched, so clients verify the real server.
 */
export interface FaultProxy {
  /** host:port clients connect to. */
  port: number;
  url: string;
  /** Destroys every open connection, both sides, as a network cut does. */
  cut(): number;
  /**
   * On: from now on nothing passes, on open connections or new ones, and the connections open
   * meanwhile stay dead for good (their bytes are lost). Off: new connections work again.
   */
  blackHole(on: boolean): void;
  /** Connections currently open through the proxy. */
  readonly open: number;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  server: Socket;
  /** Frozen: everything written either way is dropped, forever. */
  dead: boolean;
}

export async function startFaultProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<FaultProxy> {
  const pairs = new Set<Pair>();
  let holing = false;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect({ host: targetHost, port: targetPort });
    const pair: Pair = { client, server: upstream, dead: holing };
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => {
      if (!pair.dead) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!pair.dead) client.write(chunk);
    });
    // A dead pair's far side closing must not be passed on either: the client sees nothing.
    client.on("end", () => (pair.dead ? undefined : upstream.end()));
    upstream.on("end", () => (pair.dead ? undefined : client.end()));
    client.on("close", forget);
    upstream.on("close", () => (pair.dead ? undefined : forget()));
    client.on("error", () => {});
    upstream.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    cut() {
      const count = pairs.size;
      for (const pair of [...pairs]) {
        pair.client.resetAndDestroy();
        pair.server.destroy();
        pairs.delete(pair);
      }
      return count;
    },
    blackHole(on) {
      holing = on;
      if (on) for (const pair of pairs) pair.dead = true;
    },
    get open() {
      return pairs.size;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.server.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
