import type { ClientRequest, Agent as HttpAgent } from "node:http";
import https from "node:https";
import type { Sample } from "../model/snapshot.ts";
import { SAMPLER_USER_AGENT } from "../model/streams.ts";
import { http } from "../nodeHttp.ts";
import { classifyProductPage, isCompleteProductPage } from "./classifyProductPage.ts";
import type { CookieJar } from "./cookieJar.ts";
import { type NetworkErrorKind, networkErrorKind } from "./networkErrorKind.ts";

/**
 * How long one sample may take, for `status` and the tour alike, so the same slow page is the
 * same outcome in both. Above the 7 s delay of Istio's fault-injection task, and so above
 * productpage's own worst case (3 s towards reviews and one retry, about 6 s): its slow error
 * page is recorded as the page it is, not as our timeout.
 */
export const SAMPLE_TIMEOUT_MS = 10_000;

/** A product page is tens of kilobytes; anything far larger is not one and is not read whole. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface SampleOptions {
  /** Whole request, from connect to the last body byte. */
  timeoutMs?: number;
  agent?: HttpAgent;
  headers?: Record<string, string>;
  /** Abandons the request; the sample then says `error: "other"`. */
  signal?: AbortSignal;
  /** Cookies sent with the request and kept from its answer (a signed-in stream's session). */
  jar?: CookieJar;
  /** A signed-in stream's page: the sample says whether the page still shows someone signed in. */
  signedIn?: boolean;
}

/**
 * The product page under a GATEWAY_URL. Accepts what people paste: `host:port` as the tutorial
 * exports it, or a URL with a scheme, with or without a trailing slash or `/productpage`.
 */
export function productPageUrl(gatewayUrl: string): URL {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(gatewayUrl) ? gatewayUrl : `http://${gatewayUrl}`;
  const url = new URL(withScheme);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new TypeError(`unsupported scheme ${url.protocol}`);
  if (!url.pathname.endsWith("/productpage"))
    url.pathname = `${url.pathname.replace(/\/+$/, "")}/productpage`;
  return url;
}

/**
 * One GET of GATEWAY_URL/productpage. Never rejects: a failure is a sample too, because "refused"
 * or "timeout" is exactly what the tour has to show at some stages.
 */
export function sampleProductPage(gatewayUrl: string, options: SampleOptions = {}): Promise<Sample> {
  const at = Date.now();
  const started = performance.now();
  const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
  let target: URL;
  try {
    target = productPageUrl(gatewayUrl);
  } catch {
    return Promise.resolve({ at, error: "other", latencyMs: 0 });
  }

  return new Promise<Sample>((resolve) => {
    let settled = false;
    let current: ClientRequest | undefined;
    let code: number | undefined;

    const finish = (outcome: Omit<Sample, "at" | "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ at, latencyMs: latencyMs(), ...outcome });
    };
    // One outcome per sample: an answer that broke off after its status line is "truncated" (or a
    // timeout), never also a 200, or a cut page would count once as a page and once as an error.
    const fail = (kind: NetworkErrorKind) =>
      finish({ error: code === undefined || kind === "timeout" ? kind : "truncated" });
    const abandon = (kind: NetworkErrorKind) => {
      fail(kind);
      current?.destroy();
    };
    const onAbort = () => abandon("other");

    const timer = setTimeout(() => abandon("timeout"), options.timeoutMs ?? SAMPLE_TIMEOUT_MS);
    if (options.signal?.aborted) return abandon("other");
    options.signal?.addEventListener("abort", onAbort, { once: true });

    const attempt = (mayRetry: boolean) => {
      const transport = target.protocol === "https:" ? https : http;
      const cookie = options.jar?.header();
      const request = transport.request(target, {
        method: "GET",
        agent: options.agent,
        headers: {
          "user-agent": SAMPLER_USER_AGENT,
          accept: "text/html",
          ...(cookie ? { cookie } : {}),
          ...options.headers,
        },
      });
      current = request;
      request.on("error", (error) => {
        if (settled || current !== request) return;
        // A kept-alive socket the server closed while idle fails on first use; Node's docs advise
        // retrying exactly this case, and a GET is safe to repeat.
        if (mayRetry && request.reusedSocket && code === undefined && networkErrorKind(error) === "reset") {
          attempt(false);
          return;
        }
        fail(networkErrorKind(error));
      });
      request.on("response", (response) => {
        code = response.statusCode ?? 0;
        options.jar?.store(response.headers["set-cookie"]);
        const chunks: Buffer[] = [];
        let size = 0;
        const classified = () =>
          pageSample(code!, Buffer.concat(chunks).toString("utf8"), options.signedIn === true);
        response.on("data", (chunk: Buffer) => {
          if (settled) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_BODY_BYTES) {
            finish(classified());
            response.destroy();
          }
        });
        response.on("end", () => finish(classified()));
        response.on("error", (error) => fail(networkErrorKind(error)));
        response.on("close", () => {
          if (!response.complete) fail("reset");
        });
      });
      request.end();
    };
    attempt(true);
  });
}

function pageSample(code: number, body: string, askSignedIn: boolean): Omit<Sample, "at" | "latencyMs"> {
  // A 200 that is not a whole product page (garbage, another app, a page cut short but closed
  // cleanly) is no page at all for the tour: its own kind of error, with no version to count.
  if (code === 200 && !isCompleteProductPage(body)) return { error: "not-productpage" };
  const { version, reviewsPod, pageErrors, signedIn } = classifyProductPage(code, body);
  return {
    code,
    ...(version ? { version } : {}),
    ...(reviewsPod ? { reviewsPod } : {}),
    ...(pageErrors.length > 0 ? { pageErrors } : {}),
    ...(askSignedIn && code === 200 ? { signedIn: signedIn === true } : {}),
  };
}
