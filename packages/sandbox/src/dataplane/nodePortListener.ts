import type { Server } from "node:http";
import { createGatewayServer, type GatewayHandler, type GatewayServer } from "./gatewayServer.ts";

export interface NodePortListenerOptions {
  port: number;
  host: string;
  handler: GatewayHandler;
  /** How long requests in flight may finish after the port closes (Envoy drains listeners). */
  drainMs?: number;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * The gateway's node port, open only while some Gateway configures it: closed means a client
 * gets "connection refused", as from a gateway Envoy with no listener on that port. Requests in
 * flight when it closes may finish; their connections close after the answer.
 */
export class NodePortListener {
  readonly #options: NodePortListenerOptions;
  #wanted = false;
  #stopped = false;
  #current: GatewayServer | undefined;
  readonly #all = new Set<GatewayServer>();
  #queue: Promise<void> = Promise.resolve();
  #retry: NodeJS.Timeout | undefined;

  constructor(options: NodePortListenerOptions) {
    this.#options = options;
  }

  get listening(): boolean {
    return this.#current !== undefined;
  }

  /** Opens or closes to match `open`; changes apply in call order and the promise waits for this one. */
  set(open: boolean): Promise<void> {
    this.#wanted = open;
    this.#queue = this.#queue.then(() => this.#apply());
    return this.#queue;
  }

  async #apply(): Promise<void> {
    const wanted = this.#wanted && !this.#stopped;
    if (wanted && !this.#current) await this.#open();
    else if (!wanted && this.#current) this.#close();
  }

  async #open(): Promise<void> {
    const gateway = createGatewayServer(this.#options.handler);
    try {
      await listen(gateway.server, this.#options.port, this.#options.host);
    } catch (error) {
      // Someone else holds the port for now; try again shortly rather than give up for good.
      process.emitWarning(
        `sandbox gateway cannot listen on ${this.#options.port}: ${(error as Error).message}`,
      );
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => void this.set(this.#wanted), 500);
      this.#retry.unref();
      return;
    }
    gateway.server.on("error", (error) => process.emitWarning(`sandbox gateway: ${error.message}`));
    this.#all.add(gateway);
    gateway.server.once("close", () => this.#all.delete(gateway));
    this.#current = gateway;
  }

  #close(): void {
    const gateway = this.#current;
    if (!gateway) return;
    this.#current = undefined;
    gateway.server.close();
    gateway.drain();
    const timer = setTimeout(() => gateway.server.closeAllConnections(), this.#options.drainMs ?? 10_000);
    timer.unref();
    gateway.server.once("close", () => clearTimeout(timer));
  }

  /** Closes the port and every connection, cancelling what is still in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.set(false);
    await Promise.all(
      [...this.#all].map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.once("close", () => resolve());
            server.close();
            server.closeAllConnections();
          }),
      ),
    );
  }
}
