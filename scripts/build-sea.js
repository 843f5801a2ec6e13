// Builds the single-file executable (Node's single executable applications): the whole CLI as
// one CommonJS script, the manifests as assets, injected into a copy of a Node binary. It runs
// `status`, the tour and the sandbox with no Node installed.
//
//   node scripts/build-sea.js [--node PATH] [--out FILE]
//
// --node is the Node binary to copy (default: the one running this, the `node` dev dependency's
// under npm scripts); another platform's binary makes that platform's executable (macOS ones
// must then be signed on a Mac: codesign --sign - FILE).
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const { values } = parseArgs({
  options: { node: { type: "string" }, out: { type: "string" } },
});
const node = resolve(values.node ?? process.execPath);
const out = resolve(values.out ?? "dist-sea/kubectl-bookinfo");
const work = join(dirname(out), ".build");
const pkg = JSON.parse(readFileSync("package.json", "utf8"));
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const started = Date.now();
const script = join(work, "kubectl-bookinfo.cjs");
await build({
  entryPoints: ["scripts/sea/entry.js"],
  outfile: script,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  define: {
    "process.env.NODE_ENV": '"production"',

    __BOOKINFO_VERSION__: JSON.stringify(pkg.version),
    // A CommonJS script has no import.meta; the executable is where this module "is".
    "import.meta.url": "__bookinfoModuleUrl",
  },
  banner: { js: 'var __bookinfoModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Its entry awaits the WebAssembly at the top level; scripts/sea/yoga.js loads it another way.
  alias: { "yoga-layout": "./scripts/sea/yoga.js" },
  plugins: [
    {
      // Ink's development mode (React DevTools, behind DEV=true) awaits at the top level too.
      // It has no place in the executable; without it, nothing else is different.
      name: "ink-without-devtools",
      setup(b) {
        b.onLoad({ filter: /[\\/]ink[\\/]build[\\/]reconciler\.js$/ }, (args) => {
          const source = readFileSync(args.path, "utf8");
          const edited = source
            .replace("await import('./devtools.js');", "void 0;")
            .replace("await loadPackageJson();", "({});");
          if (edited.includes("await import('./devtools.js')") || /^\s*const loaded = await /m.test(edited)) {
            throw new Error(
              "ink's reconciler changed: update the ink-without-devtools step of scripts/build-sea.js",
            );
          }
          return { contents: edited, loader: "js" };
        });
      },
    },
    {
      // yoga.js itself needs the real module's loader, not the alias.
      name: "yoga-load",
      setup(b) {
        const require = createRequire(import.meta.url);
        b.onResolve({ filter: /^yoga-layout\/load$/ }, () => ({
          path: require.resolve("yoga-layout/load"),
        }));
      },
    },
  ],
  // Ink loads React DevTools only when DEV=true and the package is installed; it is not ours to ship.
  external: ["react-devtools-core"],
});

const assets = Object.fromEntries(
  readdirSync("manifests")
    .filter((name) => name.endsWith(".yaml"))
    .map((name) => [`manifests/${name}`, resolve("manifests", name)]),
);
const config = join(work, "sea-config.json");
const blob = join(work, "sea-prep.blob");
writeFileSync(
  config,
  JSON.stringify({
    main: script,
    output: blob,
    disableExperimentalSEAWarning: true,
    // V8's code cache halves the start-up, but only this Node's V8 can make one for itself.
    useCodeCache: node === process.execPath,
    assets,
  }),
);
quietly(process.execPath, ["--experimental-sea-config", config]);

mkdirSync(dirname(out), { recursive: true });
rmSync(out, { force: true });
copyFileSync(node, out);
chmodSync(out, 0o755);
const postject = createRequire(import.meta.url).resolve("postject/dist/cli.js");
quietly(process.execPath, [
  postject,
  out,
  "NODE_SEA_BLOB",
  blob,
  "--sentinel-fuse",
  "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2",
  ...(isMachO(node) ? ["--macho-segment-name", "NODE_SEA"] : []),
]);
rmSync(work, { recursive: true, force: true });
const mb = (statSync(out).size / 1e6).toFixed(1);
process.stdout.write(`Built ${out} (${mb} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

/** Runs a build step; its chatter (postject warns about ELF notes it skips) shows only on failure. */
function quietly(command, args) {
  try {
    execFileSync(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ""}${error.stderr ?? ""}`);
    throw new Error(`${args[0]} failed (exit ${error.status})`);
  }
}

/** Whether the binary is a macOS one (Mach-O), which keeps its resources in a segment of their own. */
function isMachO(file) {
  const head = Buffer.alloc(4);
  const fd = openSync(file, "r");
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  const magic = head.readUInt32BE(0);
  return [0xfeedfacf, 0xcffaedfe, 0xcafebabe, 0xbebafeca].includes(magic);
}
