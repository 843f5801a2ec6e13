import type { Store } from "../store/store.ts";

const BASE = (10 << 24) | (244 << 16);
const SIZE = 1 << 16;

const toIP = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

/**
 * Pod IPs from the cluster's 10.244.0.0/16, handed out round-robin like the host-local CNI
 * plugin, so a replaced pod does not get its predecessor's address at once.
 */
export class PodIPs {
  #next = 2;

  constructor(private readonly store: Store) {}

  allocate(): string {
    const used = new Set<string>();
    for (const pod of this.store.peek("pods")) {
      const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
      if (ip) used.add(ip);
    }
    for (let tries = 0; tries < SIZE; tries++) {
      const offset = this.#next;
      this.#next = (this.#next + 1) % SIZE;
      const last = offset & 255;
      // .0 and .255 of each /24 are network and broadcast, .1 the node's bridge.
      if (last === 0 || last === 1 || last === 255) continue;
      const ip = toIP(BASE + offset);
      if (!used.has(ip)) return ip;
    }
    throw new Error("pod IP range 10.244.0.0/16 exhausted");
  }
}
