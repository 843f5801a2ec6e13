import type { Agent as HttpAgent } from "node:http";
import https from "node:https";
import type { Sample } from "../model/snapshot.ts";
import { SAMPLER_USER_AGENT } from "../model/streams.ts";
import { http } from "../nodeHttp.ts";
import type { CookieJar } from "./cookieJar.ts";
import { networkErrorKind } from "./networkErrorKind.ts";
import { productPageUrl } from "./sampleProductPage.ts";

/** productpage's signed session cookie (Flask's). */
export const SESSION_COOKIE = "session";

export type LoginResult =
  | { ok: true }
  /** productpage answered but set no session (a gateway without the /login route answers 404). */
  | { ok: false; code: number }
  /** No answer at all: the page would not have answered either. */
  | { ok: false; error: NonNullable<Sample["error"]> };

/**
 * Signs in the way productpage's form does: POST /login with the form field `username` (the
 * password is not checked). The answer is a 302 that sets the `session` cookie; it is kept in the
 * jar and the redirect is not followed.
 */
export function login(
  gatewayUrl: string,
  user: string,
  jar: CookieJar,
  options: { agent?: HttpAgent; timeoutMs: number; signal?: AbortSignal; headers?: Record<string, string> },
): Promise<LoginResult> {
  let target: URL;
  try {
    target = productPageUrl(gatewayUrl);
  } catch {
    return Promise.resolve({ ok: false, error: "other" });
  }
  target.pathname = target.pathname.replace(/\/productpage$/, "/login");
  const body = new URLSearchParams({ username: user, passwd: "" }).toString();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: LoginResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const transport = target.protocol === "https:" ? https : http;
    const request = transport.request(target, {
      method: "POST",
      agent: options.agent,
      headers: {
        // The same Host as the pages (a workshop attendee's own host on the shared ingress).
        ...options.headers,
        "user-agent": SAMPLER_USER_AGENT,
        "content-type": "application/x-www-form-urlencoded",
        "content-length": String(Buffer.byteLength(body)),
      },
    });
    const onAbort = () => {
      finish({ ok: false, error: "other" });
      request.destroy();
    };
    const timer = setTimeout(() => {
      finish({ ok: false, error: "timeout" });
      request.destroy();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", (error) => finish({ ok: false, error: networkErrorKind(error) }));
    request.on("response", (response) => {
      jar.store(response.headers["set-cookie"]);
      const code = response.statusCode ?? 0;
      // Drained so the kept-alive socket can serve the next request.
      response.resume();
      response.on("end", () => finish(jar.has(SESSION_COOKIE) ? { ok: true } : { ok: false, code }));
      response.on("error", (error) => finish({ ok: false, error: networkErrorKind(error) }));
    });
    request.end(body);
  });
}
