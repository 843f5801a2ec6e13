#!/usr/bin/env node
// Launcher: refuse an unsupported Node with one sentence before anything modern is parsed,
// then run the bundled entry, or the TypeScript source when working from a checkout.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `kubectl-bookinfo needs Node.js 22.19 or newer, but this is Node.js ${process.versions.node}; ` +
      "install a current Node.js (https://nodejs.org) and run it again.\n",
  );
  process.exit(1);
}

// V8's code cache on disk: the second start skips compiling the bundle (Node 22.1+).
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();

const { existsSync } = await import("node:fs");
const { fileURLToPath, pathToFileURL } = await import("node:url");
const bundle = fileURLToPath(new URL("../dist/kubectl-bookinfo.mjs", import.meta.url));
const checkout = existsSync(fileURLToPath(new URL("../source/cli/main.ts", import.meta.url)));
// An installed package runs its bundle; a checkout runs its source, so a stale build can never
// stand in for the code being worked on (KUBECTL_BOOKINFO_BUNDLE=1 runs the build there too).
if (existsSync(bundle) && (!checkout || process.env.KUBECTL_BOOKINFO_BUNDLE === "1")) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../source/cli/main.ts");
}
