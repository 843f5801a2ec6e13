import { createServer } from "node:net";

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/**
 * Distinct node ports in Kubernetes' range that are free on 127.0.0.1 right now, so the
 * sandbox's gateway can really listen where its Service says it does.
 */
export async function freeNodePorts(count: number): Promise<number[]> {
  const chosen: number[] = [];
  for (let attempt = 0; chosen.length < count && attempt < 200; attempt++) {
    const port = NODE_PORT_MIN + Math.floor(Math.random() * (NODE_PORT_MAX - NODE_PORT_MIN + 1));
    if (!chosen.includes(port) && (await canListen(port))) chosen.push(port);
  }
  if (chosen.length < count)
    throw new Error("no free port in 30000-32767 on 127.0.0.1 for the sandbox's gateway");
  return chosen;
}
