import { STATUS_CODES } from "node:http";
import type { SimResponse } from "../dataplane/http.ts";
import { CallError } from "../dataplane/workload.ts";
import { DIRECTORY } from "./images.ts";
import { type Command, type Process, resolvePath } from "./shell.ts";

// curl 7.88 (Debian 12's) as the docs use it inside a pod: -s -S -o -I -i -H -v -w -X -d -L
// -f -m -A -b, its progress meter, its verbose trace and its error messages and exit codes.
// Requests go out through the pod's network, so a pod with a sidecar gets mesh routing.

const VERSION = "7.88.1";
const HELP_HINT = "curl: try 'curl --help' or 'curl --manual' for more information\n";

interface Options {
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  head: boolean;
  include: boolean;
  fail: boolean;
  location: boolean;
  output?: string;
  writeOut?: string;
  method?: string;
  headers: string[];
  data: string[];
  maxTime?: number;
  userAgent?: string;
  cookie?: string;
  urls: string[];
}

class UsageError extends Error {}

const LONG: Record<string, keyof Options | "ignore" | "ignoreWithValue" | "dataUrlencode" | "url"> = {
  silent: "silent",
  "show-error": "showError",
  verbose: "verbose",
  head: "head",
  include: "include",
  fail: "fail",
  location: "location",
  output: "output",
  "write-out": "writeOut",
  request: "method",
  header: "headers",
  data: "data",
  "data-raw": "data",
  "data-binary": "data",
  "data-ascii": "data",
  "data-urlencode": "dataUrlencode",
  "max-time": "maxTime",
  "user-agent": "userAgent",
  cookie: "cookie",
  url: "url",
  insecure: "ignore",
  compressed: "ignore",
  "http1.1": "ignore",
  "no-progress-meter": "ignore",
  "fail-with-body": "fail",
  "connect-timeout": "ignoreWithValue",
  retry: "ignoreWithValue",
  noproxy: "ignoreWithValue",
  resolve: "ignoreWithValue",
};

const SHORT: Record<string, string> = {
  s: "silent",
  S: "show-error",
  v: "verbose",
  I: "head",
  i: "include",
  f: "fail",
  L: "location",
  o: "output",
  w: "write-out",
  X: "request",
  H: "header",
  d: "data",
  m: "max-time",
  A: "user-agent",
  b: "cookie",
  k: "insecure",
  q: "ignore-q",
  "4": "ignore-4",
  "6": "ignore-6",
};

const TAKES_VALUE = new Set([
  "output",
  "write-out",
  "request",
  "header",
  "data",
  "data-raw",
  "data-binary",
  "data-ascii",
  "data-urlencode",
  "max-time",
  "user-agent",
  "cookie",
  "url",
  "connect-timeout",
  "retry",
  "noproxy",
  "resolve",
]);

function parseArgs(args: string[], process: Process): Options {
  const options: Options = {
    silent: false,
    showError: false,
    verbose: false,
    head: false,
    include: false,
    fail: false,
    location: false,
    headers: [],
    data: [],
    urls: [],
  };
  const set = (long: string, value: string | undefined, shown: string) => {
    const field = LONG[long];
    if (long.startsWith("ignore-")) return;
    if (!field) throw new UsageError(`curl: option ${shown}: is unknown\n${HELP_HINT}`);
    if (field === "ignore" || field === "ignoreWithValue") return;
    if (value === undefined && TAKES_VALUE.has(long))
      throw new UsageError(`curl: option ${shown}: requires parameter\n${HELP_HINT}`);
    switch (field) {
      case "headers":
        options.headers.push(value!);
        return;
      case "data": {
        const text = value!.startsWith("@") ? readData(value!.slice(1), process) : value!;
        options.data.push(long === "data-binary" || long === "data-raw" ? text : text.replace(/[\r\n]/g, ""));
        return;
      }
      case "dataUrlencode": {
        const eq = value!.indexOf("=");
        options.data.push(
          eq === -1
            ? encodeURIComponent(value!)
            : `${value!.slice(0, eq)}=${encodeURIComponent(value!.slice(eq + 1))}`,
        );
        return;
      }
      case "url":
        options.urls.push(value!);
        return;
      case "maxTime":
        options.maxTime = Number.parseFloat(value!);
        return;
      case "output":
      case "writeOut":
      case "method":
      case "userAgent":
      case "cookie":
        options[field] = value!;
        return;
      default:
        (options as unknown as Record<string, boolean>)[field] = true;
    }
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith("--") && arg.length > 2) {
      const long = arg.slice(2);
      set(long, TAKES_VALUE.has(long) ? args[++i] : undefined, arg);
    } else if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const flag = arg[j]!;
        const long = SHORT[flag];
        if (!long) throw new UsageError(`curl: option -${flag}: is unknown\n${HELP_HINT}`);
        if (TAKES_VALUE.has(long)) {
          const attached = arg.slice(j + 1);
          set(long, attached || args[++i], `-${flag}`);
          break;
        }
        set(long, undefined, `-${flag}`);
      }
    } else options.urls.push(arg);
  }
  return options;
}

function readData(file: string, process: Process): string {
  const content = process.view.files.get(resolvePath(process.cwd, file));
  if (content === undefined || content === DIRECTORY) {
    process.err(`Warning: Couldn't read data from file "${file}", this makes an empty POST.\n`);
    return "";
  }
  return content;
}

interface Target {
  scheme: string;
  host: string;
  port: number;
  path: string;
  /** What curl shows as the URL: with the scheme it assumed. */
  effective: string;
}

function parseTarget(raw: string): Target | CurlFailure {
  let url = raw;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (!scheme) url = `http://${url}`;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d*))?([^#]*)/i.exec(url);
  if (!m?.[2]) return { code: 3, message: "URL using bad/illegal format or missing URL" };
  const protocol = m[1]!.toLowerCase();
  if (protocol !== "http" && protocol !== "https")
    return { code: 1, message: `Protocol "${protocol}" not supported` };
  const port = m[3] ? Number(m[3]) : protocol === "https" ? 443 : 80;
  if (!(port > 0 && port < 65536)) return { code: 3, message: "URL using bad/illegal format or missing URL" };
  let path = m[4] || "/";
  if (!path.startsWith("/")) path = `/${path}`;
  return {
    scheme: protocol,
    host: m[2].toLowerCase(),
    port,
    path,
    effective: `${protocol}://${m[2]}${m[3] ? `:${m[3]}` : ""}${path}`,
  };
}

interface CurlFailure {
  code: number;
  message: string;
}

const pad = (text: string | number, width: number) => String(text).padStart(width);

/** curl's 5-character sizes: 5293, 100k, 12.3M. */
function size(bytes: number): string {
  if (bytes < 100_000) return pad(Math.round(bytes), 5);
  if (bytes < 10_000 * 1024) return pad(`${Math.round(bytes / 1024)}k`, 5);
  return pad(`${(bytes / 1024 / 1024).toFixed(1)}M`, 5);
}

const METER_HEAD =
  "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n" +
  "                                 Dload  Upload   Total   Spent    Left  Speed\n";

function meterLine(bytes: number, seconds: number): string {
  const percent = bytes > 0 ? 100 : 0;
  const speed = size(seconds > 0 ? bytes / seconds : bytes);
  return `${pad(percent, 3)} ${size(bytes)}  ${pad(percent, 3)} ${size(bytes)}    0     0  ${speed}      0 --:--:-- --:--:-- --:--:-- ${speed}\n`;
}

function statusLine(response: SimResponse): string {
  return `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ""}`.trimEnd();
}

function headerBlock(response: SimResponse): string {
  const lines = [statusLine(response), ...Object.entries(response.headers).map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

function writeOut(format: string, values: Record<string, string>): string {
  return format
    .replace(/%\{([a-z_]+)\}/g, (whole, name: string) => values[name] ?? whole)
    .replace(/\\([nrt\\])/g, (_m, c: string) => ({ n: "\n", r: "\r", t: "\t", "\\": "\\" })[c] ?? c)
    .replace(/%%/g, "%");
}

export const curl: Command = async (args, process) => {
  let options: Options;
  try {
    options = parseArgs(args, process);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.err(error.message);
    return 2;
  }
  if (options.urls.length === 0) {
    process.err(`curl: no URL specified!\n${HELP_HINT}`);
    return 2;
  }
  const showErrors = !options.silent || options.showError;
  // The meter goes to stderr whenever the body does not go to a terminal.
  const meter = !options.silent && !options.verbose && (!process.tty || options.output !== undefined);
  if (meter) process.err(METER_HEAD);
  let exit = 0;
  for (const raw of options.urls) {
    const code = await transfer(raw, options, process, { meter, showErrors });
    if (code !== 0) exit = code;
  }
  return exit;
};

async function transfer(
  raw: string,
  options: Options,
  process: Process,
  output: { meter: boolean; showErrors: boolean },
): Promise<number> {
  const started = Date.now();
  const fail = (failure: CurlFailure, received = 0) => {
    if (output.meter) process.err(meterLine(received, (Date.now() - started) / 1000));
    if (output.showErrors) process.err(`curl: (${failure.code}) ${failure.message}\n`);
    if (options.writeOut)
      process.out(
        writeOut(options.writeOut, {
          http_code: "000",
          response_code: "000",
          size_download: "0",
          exitcode: String(failure.code),
          errormsg: failure.message,
          url_effective: raw,
          time_total: ((Date.now() - started) / 1000).toFixed(6),
        }),
      );
    return failure.code;
  };
  let target = parseTarget(raw);
  if ("code" in target) return fail(target);
  let redirects = 0;
  let method = options.method ?? (options.head ? "HEAD" : options.data.length ? "POST" : "GET");
  let body = options.data.join("&");
  for (;;) {
    if (target.scheme === "https")
      return fail({ code: 35, message: "OpenSSL/3.0.15: error:0A00010B:SSL routines::wrong version number" });
    const address = process.network.resolve(target.host);
    const headers = requestHeaders(target, options, body, method);
    if (options.verbose) {
      process.err(`*   Trying ${address ?? target.host}:${target.port}...\n`);
    }
    let response: SimResponse;
    try {
      response = await process.network.fetch(
        `http://${target.host}:${target.port}${target.path}`,
        {
          method,
          headers: Object.fromEntries(headers.map(([k, v]) => [k.toLowerCase(), v])),
          body,
          timeoutMs: options.maxTime !== undefined ? options.maxTime * 1000 : 300_000,
        },
        process.signal,
      );
    } catch (error) {
      if (!(error instanceof CallError)) throw error;
      const elapsed = Date.now() - started;
      if (error.reason === "dns") return fail({ code: 6, message: `Could not resolve host: ${target.host}` });
      if (error.reason === "refused")
        return fail({
          code: 7,
          message: `Failed to connect to ${target.host} port ${target.port} after ${elapsed} ms: Couldn't connect to server`,
        });
      if (error.reason === "timeout")
        return fail({
          code: 28,
          message: `Operation timed out after ${elapsed} milliseconds with 0 bytes received`,
        });
      return fail({ code: 56, message: "Recv failure: Connection reset by peer" });
    }
    if (options.verbose) {
      process.err(`* Connected to ${target.host} (${address ?? target.host}) port ${target.port} (#0)\n`);
      process.err(
        `> ${method} ${target.path} HTTP/1.1\r\n${headers.map(([k, v]) => `> ${k}: ${v}\r\n`).join("")}> \r\n`,
      );
      process.err(
        `< ${statusLine(response)}\r\n${Object.entries(response.headers)
          .map(([k, v]) => `< ${k}: ${v}\r\n`)
          .join("")}< \r\n`,
      );
    }
    const location = response.headers.location;
    if (options.location && location && response.status >= 300 && response.status < 400 && redirects < 50) {
      redirects++;
      if (options.include) process.out(headerBlock(response));
      const next = parseTarget(
        /^[a-z]+:\/\//i.test(location)
          ? location
          : `${target.scheme}://${target.host}:${target.port}${location.startsWith("/") ? "" : "/"}${location}`,
      );
      if ("code" in next) return fail(next);
      target = next;
      if (response.status !== 307 && response.status !== 308 && method === "POST") {
        method = "GET";
        body = "";
      }
      continue;
    }
    const elapsed = (Date.now() - started) / 1000;
    if (options.fail && response.status >= 400)
      return fail({ code: 22, message: `The requested URL returned error: ${response.status}` });
    const text = method === "HEAD" ? "" : response.body;
    let shown = "";
    if (options.include || options.head) shown += headerBlock(response);
    shown += text;
    if (options.output !== undefined) {
      const path = resolvePath(process.cwd, options.output);
      if (path !== "/dev/null") process.view.files.set(path, shown);
    } else process.out(shown);
    if (options.verbose) {
      if (text) process.err(`{ [${Buffer.byteLength(text)} bytes data]\n`);
      process.err(`* Connection #0 to host ${target.host} left intact\n`);
    }
    if (output.meter) process.err(meterLine(Buffer.byteLength(text), elapsed));
    if (options.writeOut) {
      process.out(
        writeOut(options.writeOut, {
          http_code: String(response.status).padStart(3, "0"),
          response_code: String(response.status),
          size_download: String(Buffer.byteLength(text)),
          size_header: String(Buffer.byteLength(headerBlock(response))),
          content_type: response.headers["content-type"] ?? "",
          url_effective: target.effective,
          remote_ip: address ?? "",
          remote_port: String(target.port),
          num_redirects: String(redirects),
          time_total: elapsed.toFixed(6),
          time_connect: (elapsed / 10).toFixed(6),
          time_starttransfer: elapsed.toFixed(6),
          method,
          exitcode: "0",
          errormsg: "",
        }),
      );
    }
    return 0;
  }
}

function requestHeaders(target: Target, options: Options, body: string, method: string): [string, string][] {
  const headers: [string, string][] = [
    ["Host", target.port === 80 ? target.host : `${target.host}:${target.port}`],
    ["User-Agent", options.userAgent ?? `curl/${VERSION}`],
    ["Accept", "*/*"],
  ];
  if (options.cookie) headers.push(["Cookie", options.cookie]);
  if (body && method !== "GET" && method !== "HEAD") {
    headers.push(["Content-Length", String(Buffer.byteLength(body))]);
    headers.push(["Content-Type", "application/x-www-form-urlencoded"]);
  }
  for (const line of options.headers) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const existing = headers.findIndex(([k]) => k.toLowerCase() === name.toLowerCase());
    if (existing !== -1) headers.splice(existing, 1);
    // "-H 'Name:'" removes a header curl would send.
    if (value !== "" || line.trim().endsWith(";")) headers.push([name, value]);
  }
  return headers;
}
