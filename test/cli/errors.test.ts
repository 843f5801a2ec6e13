import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { bookinfo, isOneSentence } from "./support.ts";

// Every bad input ends in one clear sentence, a non-zero exit and no stack trace, within 5 s.

let env: TestSandbox;
let bare: TestSandbox;
const dir = mkdtempSync(join(tmpdir(), "bookinfo-errors-"));

before(async () => {
  [env, bare] = await Promise.all([openSandbox({ speed: 50 }), openSandbox({ speed: 50, istio: false })]);
});
after(async () => Promise.all([env.close(), bare.close()]));

function expectOneSentence(
  result: { code: number | null; stderr: string; ms: number },
  code: number,
  pattern: RegExp,
) {
  assert.equal(result.code, code, result.stderr);
  assert.ok(isOneSentence(result.stderr), `not one sentence:\n${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.ok(result.ms < 5000, `took ${result.ms} ms`);
}

describe("bad input ends in one clear sentence", () => {
  test("unknown flag and unknown stage are usage errors (exit 2)", async () => {
    expectOneSentence(await bookinfo(env.kubeconfig, "status", "--nope"), 2, /unknown option '--nope'/);
    expectOneSentence(
      await bookinfo(env.kubeconfig, "run", "--to", "nope"),
      2,
      /^error: invalid argument "nope" for "--to" flag: it must be one of inject, deploy, gateway, verify, route-v1, route-jason, fault-delay, fault-abort, canary-50, canary-100, timeout, cleanup\.$/m,
    );
    expectOneSentence(
      await bookinfo(env.kubeconfig, "status", "-o", "xml"),
      2,
      /^error: invalid argument "xml" for "--output" flag: it must be one of text, json, yaml\.$/m,
    );
  });

  test("unknown context names the ones there are", async () => {
    expectOneSentence(
      await bookinfo(env.kubeconfig, "status", "--context", "prod"),
      1,
      /context "prod".*bookinfo-sandbox, bookinfo-sandbox-viewer/,
    );
  });

  test("missing and malformed kubeconfigs", async () => {
    expectOneSentence(await bookinfo(undefined, "status", "--kubeconfig", join(dir, "none")), 1, /none/);
    const broken = join(dir, "broken");
    writeFileSync(broken, "apiVersion: v1\nclusters: [\n  - name: x\n  :::\n");
    expectOneSentence(await bookinfo(broken, "status"), 1, /broken/);
    expectOneSentence(await bookinfo(undefined, "status"), 1, /no kubeconfig/i);
  });

  test("an unreachable server fails fast", async () => {
    const port = await closedPort();
    const closed = join(dir, "closed");
    const server = `https://127.0.0.1:${port}`;
    writeFileSync(closed, env.sandbox.kubeconfig.replace(/https:\/\/127\.0\.0\.1:\d+/, server));
    const result = await bookinfo(closed, "status");
    expectOneSentence(result, 1, /connection refused/);
    assert.ok(
      result.stderr.includes(`cannot reach the cluster at ${server}: connection refused`),
      result.stderr,
    );
  });

  test("a context allowed only to read names the permission it lacks", async () => {
    expectOneSentence(
      await bookinfo(env.kubeconfig, "run", "--context", "bookinfo-sandbox-viewer", "-n", "readonly"),
      1,
      /not allowed to (create|patch) namespaces.*403 Forbidden/,
    );
  });

  test("a cluster without Istio: run refuses before changing anything, status says so", async () => {
    expectOneSentence(await bookinfo(bare.kubeconfig, "run"), 1, /Istio is not installed on this cluster/);
    const status = await bookinfo(bare.kubeconfig, "status");
    assert.equal(status.code, 4);
    assert.match(status.stdout, /Istio:\s+not installed/);
    assert.match(status.stdout, /inject\s+failed\s+Istio is not installed on this cluster/);
  });
});

/** A port nothing listens on: bound once, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
