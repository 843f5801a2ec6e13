// Bundles the CLI into one ESM file: start-up then reads one file instead of ~1,300 modules.
import { build } from "esbuild";

await build({
  entryPoints: ["source/cli/main.ts"],
  outfile: "dist/kubectl-bookinfo.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  minify: false,
  sourcemap: "linked",
  legalComments: "none",
  define: { "process.env.NODE_ENV": '"production"' },
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __bookinfoRequire } from 'node:module'; const require = __bookinfoRequire(import.meta.url);",
  },
  logLevel: "warning",
});
