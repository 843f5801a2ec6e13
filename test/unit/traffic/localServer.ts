import { once } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A Node HTTP server on 127.0.0.1 that remembers its connections and in-flight requests. */
export interface LocalServer {
  url: string;
  server: http.Server;
  /** Every connection ever accepted, with a promise for its close. */
  connections: { socket: Socket; closed: Promise<unknown> }[];
  /** Requests received and not yet answered or aborted. */
  inFlight: number;
  maxInFlight: number;
  paths: string[];
  /** Resolves once `inFlight` reaches n. */
  waitForInFlight(n: number): Promise<void>;
  /** Resolves when every accepted connection has closed. */
  allClosed(): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer();
  const waiters: { n: number; resolve: () => void }[] = [];
  const local: LocalServer = {
    url: "",
    server,
    connections: [],
    inFlight: 0,
    maxInFlight: 0,
    paths: [],
    waitForInFlight: (n) =>
      local.inFlight >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    allClosed: async () => {
      await Promise.all(local.connections.map((c) => c.closed));
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      // The server's close event can come before its sockets' handles are gone; wait for both so
      // the next test starts with none of this one's sockets.
      await Promise.all([once(server, "close"), local.allClosed()]);
    },
  };
  server.on("connection", (socket: Socket) => {
    local.connections.push({ socket, closed: once(socket, "close") });
  });
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    local.paths.push(request.url ?? "");
    local.inFlight++;
    local.maxInFlight = Math.max(local.maxInFlight, local.inFlight);
    let counted = true;
    const done = () => {
      if (counted) local.inFlight--;
      counted = false;
    };
    response.on("close", done);
    for (const waiter of waiters.filter((w) => local.inFlight >= w.n)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
    handler(request, response);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  local.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return local;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

export function countResources(kind: string): number {
  return process.getActiveResourcesInfo().filter((name) => name === kind).length;
}
