import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Pod } from "../../src/kube.ts";
import { kubectlFor, versionedKubectl } from "../../testing/kubectl.ts";
import { deployBookinfo, manifest, type Tutorial } from "../../testing/tutorial.ts";

// `kubectl exec` as the docs and a workshop use it, with the real kubectl: commands run in the
// simulated container, their output and exit codes come back as from a real cluster, and curl
// inside a pod goes through that pod's sidecar.

let t: Tutorial;
let ratingsPod: string;

before(async () => {
  t = await deployBookinfo("exec-kubectl", true);
  ratingsPod = (
    await t.ok("-n", t.ns, "get", "pod", "-l", "app=ratings", "-o", "jsonpath={.items[0].metadata.name}")
  ).trim();
});
after(async () => t?.close());

const exec = (...args: string[]) => t.kubectl("-n", t.ns, "exec", ratingsPod, "-c", "ratings", "--", ...args);

describe("kubectl exec, non-interactive", () => {
  test("the docs' in-cluster check prints the product page's title", async () => {
    const page = await exec("curl", "-sS", "productpage:9080/productpage");
    assert.equal(page.code, 0, page.stderr);
    assert.match(page.stdout, /<title>Simple Bookstore App<\/title>/);
    const grepped = await exec(
      "sh",
      "-c",
      'curl -sS productpage:9080/productpage | grep -o "<title>.*</title>"',
    );
    assert.equal(grepped.stdout, "<title>Simple Bookstore App</title>\n");
  });

  test("curl's common flags: -o -w, -I, -H, -v, -f, and its error messages and exit codes", async () => {
    const code = await exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "details:9080/details/0");
    assert.equal(code.stdout, "200");
    const head = await exec("curl", "-sI", "details:9080/details/0");
    // The answer came back through the ratings pod's sidecar.
    assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\nserver: envoy\r\ndate: .+\r\n/);
    assert.match(head.stdout, /x-envoy-upstream-service-time: \d+\r\n\r\n$/);
    const verbose = await exec("curl", "-sv", "-H", "x-demo: 1", "ratings:9080/ratings/0");
    assert.match(verbose.stderr, /^\* {3}Trying 10\.\d+\.\d+\.\d+:9080\.\.\.\n\* Connected to ratings/);
    assert.match(
      verbose.stderr,
      /> GET \/ratings\/0 HTTP\/1\.1\r\n> Host: ratings:9080\r\n> User-Agent: curl\/7\.88\.1\r\n/,
    );
    assert.match(verbose.stderr, /> x-demo: 1\r\n/);
    assert.match(verbose.stderr, /< HTTP\/1\.1 200 OK\r\n/);
    assert.equal(verbose.stdout, '{"id":0,"ratings":{"Reviewer1":5,"Reviewer2":4}}');

    const missing = await exec("curl", "-sS", "nosuch:9080/");
    assert.equal(missing.code, 6);
    assert.match(
      missing.stderr,
      /^curl: \(6\) Could not resolve host: nosuch\ncommand terminated with exit code 6\n$/,
    );
    const refused = await exec("curl", "-sS", "productpage:9081/");
    assert.equal(refused.code, 7);
    assert.match(
      refused.stderr,
      /curl: \(7\) Failed to connect to productpage port 9081 after \d+ ms: Couldn't connect to server/,
    );
    const failed = await exec("curl", "-sSf", "productpage:9080/nope");
    assert.equal(failed.code, 22);
    assert.match(failed.stderr, /curl: \(22\) The requested URL returned error: 404/);
    // Without -s, curl draws its progress meter on stderr, since its stdout is no terminal.
    const meter = await exec("curl", "details:9080/health");
    assert.match(meter.stderr, /^ {2}% Total {4}% Received % Xferd {2}Average Speed/);
  });

  test("calls leave through the pod's sidecar: its VirtualServices decide the version", async () => {
    await t.ok("-n", t.ns, "apply", "-f", manifest("destination-rule-all.yaml"));
    await t.ok("-n", t.ns, "apply", "-f", manifest("virtual-service-all-v1.yaml"));
    await t.env.sandbox.dataPlane.settled();
    // A traffic loop inside the pod, as people write them: every answer from reviews v1.
    const loop = await exec(
      "sh",
      "-c",
      'for i in $(seq 1 12); do curl -s reviews:9080/reviews/0; echo; done | grep -o \'"podname": "reviews-v[0-9]\'',
    );
    assert.equal(loop.code, 0, loop.stderr);
    assert.deepEqual(new Set(loop.stdout.trim().split("\n")), new Set(['"podname": "reviews-v1']));
    assert.equal(loop.stdout.trim().split("\n").length, 12);
    await t.ok("-n", t.ns, "delete", "-f", manifest("virtual-service-all-v1.yaml"));
  });

  test("cat of kubelet's files, hostname, ls", async () => {
    const files = await exec(
      "cat",
      "/etc/hostname",
      "/etc/resolv.conf",
      "/var/run/secrets/kubernetes.io/serviceaccount/namespace",
    );
    assert.equal(
      files.stdout,
      `${ratingsPod}\nsearch ${t.ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n${t.ns}`,
    );
    const pod = t.env.sandbox.store.get("pods", t.ns, ratingsPod) as Pod;
    const hosts = await exec("cat", "/etc/hosts");
    assert.match(hosts.stdout, /^# Kubernetes-managed hosts file\.\n127\.0\.0\.1\tlocalhost\n/);
    assert.ok(hosts.stdout.endsWith(`${pod.status?.podIP}\t${ratingsPod}\n`), hosts.stdout);
    assert.equal((await exec("hostname")).stdout, `${ratingsPod}\n`);
    const listing = await exec("ls", "/var/run/secrets/kubernetes.io/serviceaccount");
    assert.equal(listing.stdout, "ca.crt\nnamespace\ntoken\n");
    const missing = await exec("cat", "/nope");
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      /^cat: \/nope: No such file or directory\ncommand terminated with exit code 1\n$/,
    );
  });

  test("env: the container's variables and the service links kubelet injects", async () => {
    const env = await exec("env");
    const vars = new Map(
      env.stdout
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const),
    );
    const productpage = JSON.parse(await t.ok("-n", t.ns, "get", "svc", "productpage", "-o", "json")) as {
      spec: { clusterIP: string };
    };
    assert.equal(vars.get("HOSTNAME"), ratingsPod);
    assert.equal(vars.get("PRODUCTPAGE_SERVICE_HOST"), productpage.spec.clusterIP);
    assert.equal(vars.get("PRODUCTPAGE_SERVICE_PORT"), "9080");
    assert.equal(vars.get("PRODUCTPAGE_SERVICE_PORT_HTTP"), "9080");
    assert.equal(vars.get("PRODUCTPAGE_PORT_9080_TCP"), `tcp://${productpage.spec.clusterIP}:9080`);
    assert.equal(vars.get("KUBERNETES_SERVICE_HOST"), "10.96.0.1");
    assert.equal(env.stdout.split("\n")[0]?.startsWith("PATH="), true);
  });

  test("exit codes and failures read as on a cluster", async () => {
    const three = await exec("sh", "-c", "exit 3");
    assert.equal(three.code, 3);
    assert.equal(three.stderr, "command terminated with exit code 3\n");
    const unknown = await exec("nosuch");
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /^error: Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "[0-9a-f]{64}": OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in \$PATH: unknown\n$/,
    );
    const viaShell = await exec("sh", "-c", "nosuch --help");
    assert.equal(viaShell.code, 127);
    assert.equal(viaShell.stderr, "sh: 1: nosuch: not found\ncommand terminated with exit code 127\n");
    const bash = await exec("bash", "-c", "nosuch");
    assert.equal(
      bash.stderr,
      "bash: line 1: nosuch: command not found\ncommand terminated with exit code 127\n",
    );
    const pipeline = await exec("sh", "-c", "hostname | wc -c && false || echo recovered");
    assert.equal(pipeline.stdout, `${ratingsPod.length + 1}\nrecovered\n`);

    const badContainer = await t.kubectl("-n", t.ns, "exec", ratingsPod, "-c", "nope", "--", "hostname");
    assert.equal(badContainer.code, 1);
    assert.match(
      badContainer.stderr,
      /Error from server \(BadRequest\): container nope is not valid for pod ratings-v1-/,
    );
  });

  test("-i: stdin reaches the command; a shell runs the lines it reads", async () => {
    const shell = t.kubectl.stream("-n", t.ns, "exec", "-i", ratingsPod, "-c", "ratings", "--", "sh");
    shell.input("hostname\necho $HOME\nexit 7\n", true);
    assert.equal(await shell.exited, 7);
    assert.equal(shell.output(), `${ratingsPod}\n/home/node\n`);
    const cat = t.kubectl.stream(
      "-n",
      t.ns,
      "exec",
      "-i",
      ratingsPod,
      "-c",
      "ratings",
      "--",
      "grep",
      "-c",
      "b",
    );
    cat.input("abc\nxyz\nbbb\n", true);
    assert.equal(await cat.exited, 0);
    assert.equal(cat.output(), "2\n");
  });

  test("-it: a shell with a terminal prompts, echoes and exits with its status", async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "kubectl-cache-"));
    const command = [
      "kubectl",
      `--kubeconfig=${t.env.kubeconfig}`,
      `--cache-dir=${cacheDir}`,
      `--namespace=${t.ns}`,
      "exec",
      "-it",
      ratingsPod,
      "-c",
      "ratings",
      "--",
      "sh",
    ].join(" ");
    // script(1) gives kubectl a terminal, as a user's shell does.
    const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = execFile(
        "script",
        ["-qec", command, "/dev/null"],
        { env: { ...process.env, HOME: cacheDir, KUBECONFIG: "" }, timeout: 30_000 },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
      child.stdin?.end("hostname\recho hi there\rexit 4\r");
    });
    assert.equal(result.code, 4, result.stdout);
    assert.match(
      result.stdout,
      new RegExp(
        `\\$ hostname\\r\\n${ratingsPod}\\r\\n\\$ echo hi there\\r\\nhi there\\r\\n\\$ exit 4\\r\\n`,
      ),
    );
    assert.match(result.stdout, /command terminated with exit code 4/);
  });
});

// 1.29 runs commands over SPDY only; 1.33 is newer than the dispatcher's own kubectl.
for (const minor of [29, 33]) {
  const binary = versionedKubectl(minor);
  test(`kubectl 1.${minor} exec: output, stdin and the exit code`, { skip: !binary }, async () => {
    const kubectl = kubectlFor(t.env.kubeconfig, undefined, binary);
    const run = await kubectl(
      "-n",
      t.ns,
      "exec",
      ratingsPod,
      "-c",
      "ratings",
      "--",
      "sh",
      "-c",
      "curl -sS productpage:9080/productpage | grep -o '<title>.*</title>'; exit 5",
    );
    assert.equal(run.code, 5);
    assert.equal(run.stdout, "<title>Simple Bookstore App</title>\n");
    assert.match(run.stderr, /command terminated with exit code 5/);
    const piped = kubectl.stream("-n", t.ns, "exec", "-i", ratingsPod, "-c", "ratings", "--", "cat");
    piped.input("through stdin\n", true);
    assert.equal(await piped.exited, 0);
    assert.equal(piped.output(), "through stdin\n");
  });
}
