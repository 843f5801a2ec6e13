import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { type Kubectl, kubectlFor, openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo, launcher } from "./support.ts";

// The command line as a kubectl user meets it, through the real process: pipes that close early,
// mistyped commands, help, flag values, and what the default command does without a terminal.

const shell = promisify(execFile);
let env: TestSandbox;
let kubectl: Kubectl;

before(async () => {
  env = await openSandbox({ speed: 50 });
  kubectl = kubectlFor(env.kubeconfig);
});
after(async () => env.close());

/** `bookinfo ARGS | READER` in bash: the tool's exit code, its stderr, and what the reader printed. */
async function piped(args: string, reader: string) {
  const { stdout } = await shell(
    "bash",
    ["-c", `"$NODE" "$LAUNCHER" ${args} 2>"$ERR" | ${reader}; echo "exit:\${PIPESTATUS[0]}"; cat "$ERR"`],
    {
      env: {
        ...process.env,
        NODE: process.execPath,
        LAUNCHER: launcher,
        KUBECONFIG: env.kubeconfig,
        ERR: `${env.dir}/stderr`,
      },
    },
  );
  const match = /^exit:(\d+)$/m.exec(stdout);
  assert.ok(match, stdout);
  return {
    read: stdout.slice(0, match.index),
    code: Number(match[1]),
    stderr: stdout.slice(match.index + match[0].length + 1),
  };
}

describe("a reader that stops early", () => {
  for (const args of ["--help", "status"]) {
    test(`\`${args} | head -1\` and \`${args} | true\` end quietly with exit 0`, async () => {
      const head = await piped(args, "head -1");
      // Whether the one write lands before head exits is a race: either way no error, and the
      // exit code is the command's own (status: 3, stages pending) or 0 for the closed pipe.
      assert.ok(
        head.code === 0 || (args === "status" && head.code === 3),
        `exit ${head.code}: ${head.stderr}`,
      );
      assert.equal(head.stderr, "");
      assert.equal(head.read.split("\n").filter(Boolean).length, 1, head.read);
      // `true` exits before the tool writes anything, so every write meets a closed pipe.
      const closed = await piped(args, "true");
      assert.equal(closed.code, 0, closed.stderr);
      assert.equal(closed.stderr, "", "no EPIPE error, no stack trace");
    });
  }
});

describe("commands", () => {
  test("a mistyped command is unknown, in kubectl's words, with its suggestion (exit 2)", async () => {
    const result = await bookinfo(env.kubeconfig, "statsu");
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      'error: unknown command "statsu" for "kubectl bookinfo"\n\nDid you mean this?\n\tstatus\n\n' +
        "See 'kubectl bookinfo --help' for usage.\n",
    );
    // Flags of the default command and their values are not commands.
    const flagsFirst = await bookinfo(env.kubeconfig, "--speed", "5", "-n", "default", "rset");
    assert.equal(flagsFirst.code, 2);
    assert.match(
      flagsFirst.stderr,
      /^error: unknown command "rset" for "kubectl bookinfo"\n\nDid you mean this\?\n\treset\n/,
    );
    const nothingClose = await bookinfo(env.kubeconfig, "xyzzy");
    assert.equal(nothingClose.code, 2);
    assert.doesNotMatch(nothingClose.stderr, /Did you mean/);
  });

  test("help speaks of `kubectl bookinfo`, shows --sandbox, and fits 80 columns", async () => {
    const root = await bookinfo(env.kubeconfig, "--help");
    assert.equal(root.code, 0);
    assert.match(root.stdout, /^Usage: kubectl bookinfo /);
    assert.match(root.stdout, /kubectl bookinfo --sandbox/);
    assert.doesNotMatch(root.stdout, /kubectl-bookinfo/);
    for (const command of ["", "tour", "status", "run", "reset", "sandbox"]) {
      const help = await bookinfo(env.kubeconfig, ...(command ? [command] : []), "--help");
      assert.equal(help.code, 0, command);
      for (const line of help.stdout.split("\n")) {
        assert.ok(line.length <= 80, `${command || "root"} help has a ${line.length}-column line: ${line}`);
      }
    }
    assert.match((await bookinfo(env.kubeconfig, "tour", "--help")).stdout, /^Usage: kubectl bookinfo tour /);
  });
});

describe("flag values are checked, with their range in one sentence (exit 2)", () => {
  const cases: [string[], RegExp][] = [
    [
      ["status", "--gateway-url", "garbage"],
      /^error: invalid argument "garbage" for "--gateway-url" flag: it must be host:port \(such as 127\.0\.0\.1:8080\) or an http\(s\) URL/,
    ],
    [["status", "--gateway-url", "ftp://10.0.0.1:21"], /for "--gateway-url" flag: it must be host:port/],
    [["status", "--gateway-url", "http://10.0.0.1:8080/productpage"], /the tour adds \/productpage itself/],
    [
      ["status", "--samples", "500"],
      /^error: invalid argument "500" for "--samples" flag: it must be a whole number from 0 to 200\.$/m,
    ],
    [["status", "--samples", "2.5"], /for "--samples" flag: it must be a whole number from 0 to 200\./],
    [["tour", "--samples", "0"], /for "--samples" flag: it must be a whole number from 1 to 200\./],
    [
      ["--rate", "51"],
      /^error: invalid argument "51" for "--rate" flag: it must be a number from 0 to 50, such as 4 or 10\.$/m,
    ],
    [["--speed", "0"], /for "--speed" flag: it must be a number from 0\.1 to 100, such as 5 or 20\./],
    [["sandbox", "--speed", "fast"], /for "--speed" flag: it must be a number from 0\.1 to 100/],
  ];
  for (const [args, message] of cases) {
    test(args.join(" "), async () => {
      const result = await bookinfo(env.kubeconfig, ...args);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /is invalid\./);
    });
  }

  test("good values pass", async () => {
    for (const url of [
      "127.0.0.1:1",
      "https://10.0.0.1:8443",
      "http://[::1]:8080",
      "gateway.example.com:80",
    ]) {
      const result = await bookinfo(env.kubeconfig, "status", "--samples", "0", "--gateway-url", url);
      assert.notEqual(result.code, 2, `${url}: ${result.stderr}`);
    }
  });
});

describe("the default command without a terminal", () => {
  test("prints the status, says how to apply the stages, and changes nothing", async () => {
    const before = await kubectl("get", "namespace", "quiet", "-o", "name");
    assert.notEqual(before.code, 0, "namespace quiet does not exist before");
    const result = await bookinfo(env.kubeconfig, "-n", "quiet");
    assert.equal(result.code, 3, `every stage is pending: exit 3\n${result.stderr}`);
    assert.match(result.stdout, /^STAGE +STATE +DETAIL$/m);
    assert.match(result.stdout, /^inject +pending /m);
    assert.match(
      result.stdout,
      /Not a terminal, so this is the status and nothing was changed: `kubectl bookinfo run` applies the stages/,
    );
    const after = await kubectl("get", "namespace", "quiet", "-o", "name");
    assert.notEqual(after.code, 0, `the tour created nothing: ${after.stdout}`);
  });

  test("--plain, asked for by name, runs the stages with the plain progress of `run`", async () => {
    const result = await bookinfo(env.kubeconfig, "--plain", "-n", "plain");
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^\[1\/5\] inject: Enable sidecar injection$/m);
    assert.match(result.stdout, /^All 5 stages done\. GATEWAY_URL=127\.0\.0\.1:\d+$/m);
    assert.doesNotMatch(result.stdout, /\x1b/, "no escape codes");
  });
});
