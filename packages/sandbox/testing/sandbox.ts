import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Sandbox, type SandboxOptions, startSandbox } from "../src/sandbox.ts";

export interface TestSandbox {
  sandbox: Sandbox;
  /** Path of a kubeconfig file for the sandbox, as a user would have it. */
  kubeconfig: string;
  dir: string;
  close(): Promise<void>;
}

/** A sandbox in this process, with its kubeconfig on disk for real clients. */
export async function openSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({ speed: 20, ...options });
  const dir = mkdtempSync(join(tmpdir(), "bookinfo-test-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, sandbox.kubeconfig, { mode: 0o600 });
  return {
    sandbox,
    kubeconfig,
    dir,
    async close() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until `probe` returns something truthy, checking after every store change. */
export function until<T>(
  sandbox: Sandbox,
  probe: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const value = probe();
      if (value) {
        finish();
        resolve(value);
      }
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`condition not met within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = sandbox.store.subscribe(check);
    function finish() {
      clearTimeout(timer);
      unsubscribe();
    }
    check();
  });
}
