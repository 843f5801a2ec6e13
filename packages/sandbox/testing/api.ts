import { request } from "node:https";
import type { Sandbox } from "../src/sandbox.ts";

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

export function caOf(sandbox: Sandbox): string {
  const data = /certificate-authority-data: (\S+)/.exec(sandbox.kubeconfig)?.[1] ?? "";
  return Buffer.from(data, "base64").toString();
}

/** One HTTPS request to the sandbox's API, verifying its certificate like any client. */
export function api(
  sandbox: Sandbox,
  method: string,
  path: string,
  options: { body?: string | Buffer; contentType?: string; token?: string | null; accept?: string } = {},
): Promise<ApiResponse> {
  const token = options.token === undefined ? sandbox.adminToken : options.token;
  return new Promise((resolve, reject) => {
    const req = request(`${sandbox.server}${path}`, {
      method,
      ca: caOf(sandbox),
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(options.contentType ? { "Content-Type": options.contentType } : {}),
        ...(options.accept ? { Accept: options.accept } : {}),
      },
    });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
      );
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Opens a watch and collects its events until closed. */
export function openWatch(sandbox: Sandbox, path: string) {
  const events: { type: string; object: any }[] = [];
  let buffer = "";
  let ended = false;
  const waiters: (() => void)[] = [];
  const req = request(`${sandbox.server}${path}`, {
    ca: caOf(sandbox),
    headers: { Authorization: `Bearer ${sandbox.adminToken}` },
  });
  req.on("response", (res) => {
    res.setEncoding("utf8");
    res.on("data", (d: string) => {
      buffer += d;
      let newline = buffer.indexOf("\n");
      while (newline >= 0) {
        events.push(JSON.parse(buffer.slice(0, newline)));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
      for (const w of waiters.splice(0)) w();
    });
    res.on("end", () => {
      ended = true;
      for (const w of waiters.splice(0)) w();
    });
  });
  req.on("error", () => {});
  req.end();
  return {
    events,
    ended: () => ended,
    /** Resolves once `predicate` holds for the events so far (or rejects after a timeout). */
    async until(predicate: (events: { type: string; object: any }[]) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline)
          throw new Error(`watch condition not met; events: ${events.map((e) => e.type).join(",")}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => req.destroy(),
  };
}
