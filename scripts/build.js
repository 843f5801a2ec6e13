// Bundles the CLI for fast start-up: one entry plus a chunk per command, so a command parses
// only what it uses instead of ~1,300 modules.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes: without a clean start, every build leaves the last one's
// chunks behind, and they would ship in the package.
rmSync("dist", { recursive: true, force: true });

await build({
  entryPoints: { "kubectl-bookinfo": "source/cli/entry.ts" },
  outdir: "dist",
  outExtension: { ".js": ".mjs" },
  // Commands are imported on demand; as separate chunks, `status` never parses the sandbox or
  // the UI, and `sandbox` never parses client-node.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  // Ink loads React DevTools only when DEV=true and the package is installed; it is not ours to ship.
  external: ["react-devtools-core"],
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __bookinfoRequire } from 'node:module'; const require = __bookinfoRequire(import.meta.url);",
  },
  logLevel: "warning",
});
