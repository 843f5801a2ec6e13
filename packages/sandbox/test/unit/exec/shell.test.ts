import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SimResponse } from "../../../src/dataplane/http.ts";
import { CallError } from "../../../src/dataplane/workload.ts";
import { COMMANDS } from "../../../src/exec/commands.ts";
import { containerView } from "../../../src/exec/container.ts";
import type { FetchOptions, Network, Process } from "../../../src/exec/shell.ts";
import type { Pod } from "../../../src/kube.ts";

// The simulated container's shell and programs on their own: the words and operators the
// docs' one-liners use, and curl's options, output and errors against a scripted network.

const pod = {
  metadata: { name: "ratings-v1-abc-xyz", namespace: "demo", uid: "u1" },
  spec: {
    nodeName: "node",
    containers: [{ name: "ratings", image: "docker.io/istio/examples-bookinfo-ratings-v1:1.20.3" }],
  },
  status: { podIP: "10.244.0.7" },
} as Pod;

interface Run {
  code: number;
  out: string;
  err: string;
  requests: { url: string; options: FetchOptions }[];
}

function network(
  answer: (url: string, options: FetchOptions) => SimResponse,
): Network & { requests: Run["requests"] } {
  const requests: Run["requests"] = [];
  return {
    requests,
    resolve: (host) => (host === "productpage" ? "10.96.0.20" : undefined),
    async fetch(url, options) {
      requests.push({ url, options });
      return answer(url, options);
    },
  };
}

const page = (status: number, body: string, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { "content-type": "text/html", "content-length": String(body.length), ...headers },
  body,
});

async function run(
  command: string,
  args: string[],
  options: { stdin?: string; net?: Network & { requests: Run["requests"] }; tty?: boolean } = {},
): Promise<Run> {
  const view = containerView({ pod, container: pod.spec!.containers[0]!, tty: false, services: [] });
  const net = options.net ?? network(() => page(200, "ok"));
  let out = "";
  let err = "";
  const process: Process = {
    view,
    env: new Map(view.env),
    cwd: view.cwd,
    stdin: async () => options.stdin ?? "",
    out: (t) => (out += t),
    err: (t) => (err += t),
    signal: new AbortController().signal,
    network: net,
    tty: options.tty ?? false,
  };
  const code = await COMMANDS[command]!(args, process);
  return { code, out, err, requests: net.requests };
}

const sh = (script: string, options?: Parameters<typeof run>[2]) => run("sh", ["-c", script], options);

describe("the shell", () => {
  it("quotes, escapes, variables and command substitution", async () => {
    const result = await sh(`x="a  b"; echo $x "$x" '$x' \\$x \${x}! $(echo inner) "$(hostname)"`);
    assert.equal(result.out, "a b a  b $x $x a b! inner ratings-v1-abc-xyz\n");
  });

  it("pipelines, && || ; and !, with $? after each", async () => {
    const result = await sh(
      "echo one two | wc -w; false || echo or; true && echo and; ! true; echo $?; false; echo $?",
    );
    assert.equal(result.out, "2\nor\nand\n1\n1\n");
  });

  it("for loops over words and $(seq ...), nested, in pipelines; done as an argument is a word", async () => {
    const result = await sh(
      "for i in $(seq 1 3); do echo n=$i; done | wc -l; for x in a b; do for y in 1 2; do echo -n $x$y; done; done; echo done",
    );
    assert.equal(result.out, "3\na1a2b1b2done\n");
    const unfinished = await sh("for i in 1 2; do echo $i");
    assert.deepEqual(
      [unfinished.code, unfinished.err],
      [2, 'sh: 1: Syntax error: end of file unexpected (expecting "done")\n'],
    );
    assert.equal((await run("seq", ["2", "2", "7"])).out, "2\n4\n6\n");
  });

  it("redirections: to files and back, stderr to stdout or nowhere", async () => {
    const result = await sh(
      "echo first > /tmp/f; echo second >> /tmp/f; cat < /tmp/f; cat /nope 2>&1; cat /nope 2>/dev/null || echo gone",
    );
    assert.equal(result.out, "first\nsecond\ncat: /nope: No such file or directory\ngone\n");
    assert.equal(result.err, "");
  });

  it("a missing command: dash's and bash's words, status 127; a syntax error: 2", async () => {
    assert.deepEqual(await sh("nosuch x"), {
      code: 127,
      out: "",
      err: "sh: 1: nosuch: not found\n",
      requests: [],
    });
    assert.equal((await run("bash", ["-c", "nosuch"])).err, "bash: line 1: nosuch: command not found\n");
    const broken = await sh("echo 'unclosed");
    assert.equal(broken.code, 2);
    assert.equal(broken.err, "sh: 1: Syntax error: Unterminated quoted string\n");
    assert.equal((await sh("exit 42; echo never")).code, 42);
  });

  it("grep, head, tail, wc and echo as coreutils print them", async () => {
    const text = "alpha\nBeta\ngamma\nalphabet\n";
    assert.equal((await run("grep", ["-o", "al.*a"], { stdin: text })).out, "alpha\nalpha\n");
    assert.equal((await run("grep", ["-ic", "a"], { stdin: text })).out, "4\n");
    assert.equal((await run("grep", ["-v", "a"], { stdin: text })).code, 1);
    assert.equal((await run("grep", ["-E", "^(Beta|gamma)$"], { stdin: text })).out, "Beta\ngamma\n");
    assert.equal((await run("grep", ["\\(al\\)pha"], { stdin: text })).out, "alpha\nalphabet\n");
    assert.equal((await run("head", ["-n", "2"], { stdin: text })).out, "alpha\nBeta\n");
    assert.equal((await run("tail", ["-1"], { stdin: text })).out, "alphabet\n");
    assert.equal((await run("wc", ["-l"], { stdin: text })).out, "4\n");
    assert.equal((await sh("echo -n 'a\\tb'; echo 'c\\nd'")).out, "a\tbc\nd\n");
  });

  it("ls lists directories, one per line without a terminal, side by side with one", async () => {
    assert.equal((await run("ls", ["/opt/microservices"])).out, "node_modules\npackage.json\nratings.js\n");
    assert.equal(
      (await run("ls", ["/opt/microservices"], { tty: true })).out,
      "node_modules  package.json  ratings.js\n",
    );
    const missing = await run("ls", ["/nope"]);
    assert.deepEqual(
      [missing.code, missing.err],
      [2, "ls: cannot access '/nope': No such file or directory\n"],
    );
  });
});

describe("curl", () => {
  it("GET with curl's headers; -sSo /dev/null -w prints only the write-out", async () => {
    const net = network(() => page(200, "<html/>"));
    const result = await run(
      "curl",
      ["-sSo/dev/null", "-w", "%{http_code} %{size_download}\\n", "productpage:9080/productpage"],
      { net },
    );
    assert.equal(result.out, "200 7\n");
    assert.equal(result.requests[0]?.url, "http://productpage:9080/productpage");
    assert.deepEqual(result.requests[0]?.options.headers, {
      host: "productpage:9080",
      "user-agent": "curl/7.88.1",
      accept: "*/*",
    });
  });

  it("-H adds or replaces headers, -d posts a form, -X sets the method", async () => {
    const net = network(() => page(200, ""));
    await run(
      "curl",
      [
        "-s",
        "-H",
        "end-user: jason",
        "-A",
        "test/1",
        "-d",
        "username=jason",
        "http://productpage:9080/login",
      ],
      { net },
    );
    const { options } = net.requests[0]!;
    assert.equal(options.method, "POST");
    assert.equal(options.body, "username=jason");
    assert.equal(options.headers["end-user"], "jason");
    assert.equal(options.headers["user-agent"], "test/1");
    assert.equal(options.headers["content-type"], "application/x-www-form-urlencoded");
    await run("curl", ["-s", "-X", "DELETE", "productpage:9080/x"], { net });
    assert.equal(net.requests[1]?.options.method, "DELETE");
  });

  it("-I prints the status line and headers; -i puts them before the body", async () => {
    const net = network(() => page(404, "nope", { server: "envoy" }));
    const head = await run("curl", ["-sI", "productpage:9080/x"], { net });
    assert.equal(
      head.out,
      "HTTP/1.1 404 Not Found\r\ncontent-type: text/html\r\ncontent-length: 4\r\nserver: envoy\r\n\r\n",
    );
    assert.equal(net.requests[0]?.options.method, "HEAD");
    assert.match((await run("curl", ["-si", "productpage:9080/x"], { net })).out, /\r\n\r\nnope$/);
  });

  it("-L follows redirects, a POST becoming a GET; -f fails on 4xx with 22", async () => {
    const net = network((url) =>
      url.endsWith("/login")
        ? { status: 302, headers: { location: "/productpage" }, body: "" }
        : page(200, "home"),
    );
    const followed = await run(
      "curl",
      ["-sL", "-d", "u=x", "-w", " %{num_redirects}", "productpage:9080/login"],
      { net },
    );
    assert.equal(followed.out, "home 1");
    assert.equal(net.requests[1]?.options.method, "GET");
    const failed = await run("curl", ["-sSf", "productpage:9080/x"], {
      net: network(() => page(503, "down")),
    });
    assert.deepEqual(
      [failed.code, failed.out, failed.err],
      [22, "", "curl: (22) The requested URL returned error: 503\n"],
    );
  });

  it("no answer: exit codes 6, 7 and 28 with curl's messages, silent with -s alone", async () => {
    const failing = (reason: "dns" | "refused" | "timeout") =>
      network(() => {
        throw new CallError(reason, "x");
      });
    const dns = await run("curl", ["-sS", "nosuch/"], { net: failing("dns") });
    assert.deepEqual([dns.code, dns.err], [6, "curl: (6) Could not resolve host: nosuch\n"]);
    const refused = await run("curl", ["-sS", "productpage:9081/"], { net: failing("refused") });
    assert.equal(refused.code, 7);
    assert.match(
      refused.err,
      /^curl: \(7\) Failed to connect to productpage port 9081 after \d+ ms: Couldn't connect to server\n$/,
    );
    const timeout = await run("curl", ["-s", "-m", "1", "productpage:9080/"], { net: failing("timeout") });
    assert.deepEqual([timeout.code, timeout.err], [28, ""]);
  });

  it("the progress meter without -s, the verbose trace with -v, usage errors", async () => {
    const meter = await run("curl", ["productpage:9080/"], { net: network(() => page(200, "hello")) });
    assert.match(
      meter.err,
      /^ {2}% Total {4}% Received % Xferd {2}Average Speed {3}Time {4}Time {5}Time {2}Current\n {33}Dload {2}Upload {3}Total {3}Spent {4}Left {2}Speed\n100 {5}5 {2}100 {5}5 {4}0 {5}0 /,
    );
    const verbose = await run("curl", ["-v", "productpage:9080/"], {
      net: network(() => page(200, "hello")),
    });
    assert.match(
      verbose.err,
      /^\* {3}Trying 10\.96\.0\.20:9080\.\.\.\n\* Connected to productpage \(10\.96\.0\.20\) port 9080 \(#0\)\n> GET \/ HTTP\/1\.1\r\n/,
    );
    assert.match(verbose.err, /\{ \[5 bytes data\]\n\* Connection #0 to host productpage left intact\n$/);
    assert.equal(
      (await run("curl", [])).err,
      "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n",
    );
    assert.equal((await run("curl", ["--bogus", "x"])).code, 2);
    assert.equal((await run("curl", ["-sS", "ftp://x/"])).err, 'curl: (1) Protocol "ftp" not supported\n');
  });
});
