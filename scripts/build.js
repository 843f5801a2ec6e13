// Bundles the CLI into one ESM file: start-up then reads one file instead of ~1,300 modules.
import { dirname, join } from "node:path";
import { build } from "esbuild";

// client-node re-exports ~800 generated API modules from one index and declares no
// "sideEffects", so a bundler must keep them all. They are pure declarations: saying so lets
// esbuild drop the ones we never use, which is most of what status would otherwise parse.
const generatedClientIsPure = {
  name: "generated-client-is-pure",
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\/.*/ }, (args) => {
      if (!args.importer.includes("@kubernetes/client-node/dist/gen/")) return undefined;
      return { path: join(dirname(args.importer), args.path), sideEffects: false };
    });
  },
};

await build({
  entryPoints: { "kubectl-bookinfo": "source/cli/main.ts" },
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
  // Some dependencies are CommonJS and call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __bookinfoRequire } from 'node:module'; const require = __bookinfoRequire(import.meta.url);",
  },
  logLevel: "warning",
  plugins: [generatedClientIsPure],
});
