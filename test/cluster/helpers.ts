import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { after, before } from "node:test";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { dump, load } from "js-yaml";
import { type Cluster, connect } from "../../source/cluster/connect.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";

export const ADMIN = "bookinfo-sandbox";
export const VIEWER = "bookinfo-sandbox-viewer";

let counter = 0;
/** A namespace no other test in this sandbox uses. */
export const freshNamespace = (prefix = "tour") => `${prefix}-${process.pid}-${++counter}`;

/** A Cluster for the sandbox exactly as the CLI would build it: kubeconfig file, context, -n. */
export function clusterFor(sandbox: TestSandbox, namespace: string, context = ADMIN): Cluster {
  return connect(resolveTarget({ kubeconfig: sandbox.kubeconfig, context, namespace }, {}));
}

export interface ClusterTestbed {
  /** Set once the file's `before` has run. */
  sandbox: TestSandbox;
  kubectl: Kubectl;
  /** A Cluster on the tour's namespace, closed after the file's tests. */
  tourIn(namespace: string): Cluster;
}

/** One sandbox for a test file, the real kubectl on it, and Clusters that are closed at the end. */
export function clusterTestbed(): ClusterTestbed {
  const clusters: Cluster[] = [];
  const bed = {
    tourIn(namespace: string) {
      const cluster = clusterFor(bed.sandbox, namespace);
      clusters.push(cluster);
      return cluster;
    },
  } as ClusterTestbed;
  before(async () => {
    bed.sandbox = await openSandbox({ speed: 20 });
    bed.kubectl = kubectlFor(bed.sandbox.kubeconfig);
  });
  after(async () => {
    await Promise.all(clusters.map((c) => c.close()));
    await bed.sandbox?.close();
  });
  return bed;
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  [key: string]: unknown;
}

/** A copy of the sandbox's kubeconfig with some part changed, written next to it. */
export function variantKubeconfig(
  sandbox: TestSandbox,
  name: string,
  change: (doc: KubeconfigDoc) => void,
): string {
  const doc = load(readFileSync(sandbox.kubeconfig, "utf8")) as KubeconfigDoc;
  change(doc);
  const file = join(sandbox.dir, `${name}.kubeconfig`);
  writeFileSync(file, dump(doc), { mode: 0o600 });
  return file;
}

/** A local port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port that accepts TCP and then never says anything: a hung server. */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
