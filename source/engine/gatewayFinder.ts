import type { Cluster } from "../cluster/connect.ts";
import { ingressAddress, portForwardTarget } from "../cluster/ingress.ts";
import { openPortForward, type PortForwardHandle } from "../cluster/portForward.ts";
import { roomSettings } from "../model/room.ts";
import type { GatewayAddress, Snapshot } from "../model/snapshot.ts";

/**
 * Finds GATEWAY_URL as the docs do (flag, LoadBalancer, NodePort) and, when none of those
 * answers, opens a port-forward to a Ready ingress gateway pod itself (source "port-forward").
 * The forward follows the pod: it is reopened when that pod goes, and closed once a real
 * address appears.
 */
export class GatewayFinder {
  #forward?: PortForwardHandle;
  #opening?: string; // pod being forwarded to, while the tunnel opens
  #closed = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly flagUrl: string | undefined,
    /** Called when a forward opens or goes, so the caller can look again. */
    private readonly changed: () => void,
    private readonly failed: (error: Error) => void = () => {},
  ) {}

  address(snapshot: Snapshot): GatewayAddress | null {
    const direct = ingressAddress(snapshot, this.flagUrl, roomSettings(snapshot.roomConfig)?.gatewayUrl);
    if (direct) {
      void this.#drop();
      return direct;
    }
    const target = portForwardTarget(snapshot);
    if (!target) {
      void this.#drop();
      return null;
    }
    if (this.#forward && this.#forward.target.pod === target.pod) {
      return { url: this.#forward.url, source: "port-forward" };
    }
    if (this.#opening !== target.pod) this.#open(target);
    return null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#drop();
  }

  #open(target: { namespace: string; pod: string; port: number }): void {
    void this.#drop();
    this.#opening = target.pod;
    openPortForward(this.cluster, target).then(
      (handle) => {
        if (this.#closed || this.#opening !== target.pod) {
          void handle.close();
          return;
        }
        this.#opening = undefined;
        this.#forward = handle;
        this.changed();
      },
      (error: Error) => {
        if (this.#opening === target.pod) this.#opening = undefined;
        if (!this.#closed) this.failed(error);
      },
    );
  }

  async #drop(): Promise<void> {
    const forward = this.#forward;
    this.#forward = undefined;
    if (forward) {
      await forward.close();
      this.changed();
    }
  }
}
