// The layer rules, as data: the one table the architecture test enforces and the docs cite.
// Each rule says in one sentence what it keeps apart, which files it governs and which imports
// break it. An import counts whatever its form (static, re-export, type-only, dynamic, require,
// `typeof import()`, the jsx runtime JSX compiles to).

import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { type ImportSite, importsOf, landsOn, sourceFiles, type Target } from "./imports.ts";

/** The directories scanned, relative to the project root. */
export const SCANNED = ["source", "packages/sandbox/src", "packages/sandbox/testing"];

/** Every file under source/ belongs to one layer; source/'s own files are "shared". */
export const LAYERS = [
  "cli",
  "ui",
  "engine",
  "tutorial",
  "analysis",
  "traffic",
  "cluster",
  "model",
  "print",
] as const;
export type Layer = (typeof LAYERS)[number] | "shared";

/** Layers below the views: they never import from ui/ or cli/. */
export const LOWER_LAYERS: readonly Layer[] = [
  "cluster",
  "model",
  "analysis",
  "tutorial",
  "traffic",
  "engine",
  "print",
  "shared",
];

export const SANDBOX_PACKAGE = "@kubectl-bookinfo/sandbox";
export const SANDBOX_DIR = "packages/sandbox/";
/** The composition root: the one product file that may load the sandbox. */
export const SANDBOX_ROOT = "source/cli/sandboxRoot.ts";
/** node:http behind require, for start-up time; importing it is importing node:http. */
export const SHARED_HTTP = "source/nodeHttp.ts";

const UI_PACKAGES = new Set(["ink", "react", "react-dom", "react-reconciler"]);
const IO_BUILTINS = new Set([
  "fs",
  "fs/promises",
  "http",
  "https",
  "http2",
  "net",
  "tls",
  "dgram",
  "dns",
  "dns/promises",
  "child_process",
  "worker_threads",
  "readline",
  "readline/promises",
]);
const NETWORK_BUILTINS = new Set(["http", "https", "http2", "net", "tls", "dgram"]);
// @kubernetes/client-node opens connections too, but has a rule of its own.
const NETWORK_PACKAGES = new Set(["ws", "undici"]);

export function layerOf(file: string): Layer | "sandbox" | undefined {
  if (file.startsWith(SANDBOX_DIR)) return "sandbox";
  const parts = file.split("/");
  if (parts[0] !== "source") return undefined;
  if (parts.length === 2) return "shared";
  return LAYERS.find((layer) => layer === parts[1]);
}

const inLayer = (file: string, ...layers: Layer[]) => layers.includes(layerOf(file) as Layer);
const isPackage = (t: Target, test: (name: string) => boolean) => t.kind === "package" && test(t.name);
const isFileUnder = (t: Target, prefix: string) => t.kind === "file" && t.path.startsWith(prefix);

/** What a rule may look at besides the import itself. */
export interface RuleContext {
  /** The packages packages/sandbox/package.json declares (dependencies, peer, optional). */
  sandboxDependencies: ReadonlySet<string>;
  /** For a file of the tree: the chain of value imports by which it reaches I/O, if it does. */
  ioChain(file: string): string[] | undefined;
  /** The file of the tree a relative import lands on. */
  landsOn(path: string): string | undefined;
}

export interface LayerRule {
  id: string;
  /** The rule in one sentence. */
  rule: string;
  covers(file: string): boolean;
  /** Why `site` breaks the rule, or undefined when it does not. */
  breaks?(site: ImportSite, context: RuleContext): string | undefined;
  /** Why the file itself breaks the rule (where it is, not what it imports). */
  misplaced?(file: string): string | undefined;
}

export const RULES: readonly LayerRule[] = [
  {
    id: "every-file-in-a-layer",
    rule: `Every file under source/ is in a layer of the table (${LAYERS.join(", ")}, or source/ itself).`,
    covers: (file) => file.startsWith("source/"),
    misplaced: (file) =>
      layerOf(file) === undefined
        ? `is in no layer: add source/${file.split("/")[1]}/ to LAYERS in test/architecture/rules.ts, with the rules it follows`
        : undefined,
  },
  {
    id: "ink-only-in-ui",
    rule: "Only source/ui/ imports Ink, React or ink-* packages (JSX included).",
    covers: (file) => !inLayer(file, "ui"),
    breaks: (site) =>
      isPackage(site.target, (name) => UI_PACKAGES.has(name) || name.startsWith("ink-"))
        ? site.kind === "jsx"
          ? "uses JSX, which compiles to an import of react/jsx-runtime"
          : `imports "${site.specifier}"`
        : undefined,
  },
  {
    id: "client-node-only-in-cluster",
    rule: "Only source/cluster/ imports @kubernetes/client-node.",
    covers: (file) => !inLayer(file, "cluster"),
    breaks: (site) =>
      isPackage(site.target, (name) => name === "@kubernetes/client-node")
        ? `imports "${site.specifier}"`
        : undefined,
  },
  {
    id: "sandbox-only-through-its-root",
    rule: `Product code reaches the sandbox only in ${SANDBOX_ROOT}, and there only by the package's name and main entry.`,
    covers: (file) => file.startsWith("source/"),
    breaks(site) {
      if (isFileUnder(site.target, "packages/")) return `imports "${site.specifier}", a path into packages/`;
      if (site.target.kind !== "package" || site.target.name !== SANDBOX_PACKAGE) return undefined;
      if (site.file !== SANDBOX_ROOT) return `imports "${site.specifier}" outside ${SANDBOX_ROOT}`;
      if (site.target.subpath !== "") return `imports "${site.specifier}", not the package's main entry`;
      return undefined;
    },
  },
  {
    id: "sandbox-loaded-lazily",
    rule: `The sandbox loads only when asked for: static imports of it, and of ${SANDBOX_ROOT}, are type-only.`,
    covers: (file) => file.startsWith("source/"),
    breaks(site, context) {
      if (site.typeOnly || (site.kind !== "import" && site.kind !== "re-export")) return undefined;
      if (isPackage(site.target, (name) => name === SANDBOX_PACKAGE)) {
        return `imports "${site.specifier}" statically; use import() where it is needed`;
      }
      if (site.target.kind === "file" && context.landsOn(site.target.path) === SANDBOX_ROOT) {
        return `imports "${site.specifier}" statically; use import() where it is needed`;
      }
      return undefined;
    },
  },
  {
    id: "sandbox-stands-alone",
    rule: "The sandbox package imports only its own files, Node's built-ins and the packages its package.json declares.",
    covers: (file) => file.startsWith(SANDBOX_DIR),
    breaks(site, context) {
      const t = site.target;
      if (t.kind === "file" && !t.path.startsWith(SANDBOX_DIR)) {
        return `imports "${site.specifier}", outside ${SANDBOX_DIR}`;
      }
      if (t.kind === "package" && t.name !== SANDBOX_PACKAGE && !context.sandboxDependencies.has(t.name)) {
        return `imports "${site.specifier}", which ${SANDBOX_DIR}package.json does not declare`;
      }
      return undefined;
    },
  },
  {
    id: "no-views-below",
    rule: `Lower layers (${LOWER_LAYERS.join(", ")}) import nothing from source/ui/ or source/cli/.`,
    covers: (file) => inLayer(file, ...LOWER_LAYERS),
    breaks: (site) =>
      isFileUnder(site.target, "source/ui/") || isFileUnder(site.target, "source/cli/")
        ? `imports "${site.specifier}", from a view layer`
        : undefined,
  },
  {
    id: "pure-stays-pure",
    rule: "source/tutorial/, source/analysis/ and source/model/ do no I/O: they import no fs, network, child process or worker module (not even its types), and no file that reaches one through value imports.",
    covers: (file) => inLayer(file, "tutorial", "analysis", "model"),
    breaks(site, context) {
      const t = site.target;
      if (t.kind === "builtin" && IO_BUILTINS.has(t.module))
        return `imports "${site.specifier}", an I/O module`;
      if (isPackage(t, (name) => NETWORK_PACKAGES.has(name)))
        return `imports "${site.specifier}", an I/O package`;
      if (t.kind === "global") return `calls the global ${t.name}, which opens connections`;
      if (site.typeOnly || t.kind !== "file") return undefined;
      const landed = context.landsOn(t.path);
      // A pure file that reaches I/O is reported where it leaks, not again in each importer.
      if (!landed || inLayer(landed, "tutorial", "analysis", "model")) return undefined;
      const chain = context.ioChain(landed);
      return chain ? `imports "${site.specifier}", which reaches I/O: ${chain.join(" -> ")}` : undefined;
    },
  },
  {
    id: "analysis-reads-the-model",
    rule: "source/analysis/ judges a snapshot and nothing else: it imports only source/model/ (and itself) from the product.",
    covers: (file) => inLayer(file, "analysis"),
    breaks(site, context) {
      const t = site.target;
      if (t.kind !== "file") return undefined;
      const landed = context.landsOn(t.path) ?? t.path;
      if (!landed.startsWith("source/") || inLayer(landed, "analysis", "model")) return undefined;
      return `imports "${site.specifier}", which is not the model`;
    },
  },
  {
    id: "network-only-in-cluster-and-traffic",
    rule: `Only source/cluster/ (the API server) and source/traffic/ (the gateway) open connections: no value import of http, https, http2, net, tls, dgram or ws, and no fetch or WebSocket, elsewhere in source/ (${SHARED_HTTP} only wraps node:http for them).`,
    covers: (file) =>
      file.startsWith("source/") && !inLayer(file, "cluster", "traffic") && file !== SHARED_HTTP,
    breaks(site, context) {
      // A type names a connection without opening one.
      if (site.typeOnly) return undefined;
      const t = site.target;
      if (t.kind === "builtin" && NETWORK_BUILTINS.has(t.module)) return `imports "${site.specifier}"`;
      if (isPackage(t, (name) => NETWORK_PACKAGES.has(name))) return `imports "${site.specifier}"`;
      if (t.kind === "global") return `calls the global ${t.name}`;
      if (t.kind === "file" && context.landsOn(t.path) === SHARED_HTTP) {
        return `imports "${site.specifier}", which is node:http`;
      }
      return undefined;
    },
  },
  {
    id: "modules-named-literally",
    rule: "import() and require() name their module with a string literal, so these rules can follow them.",
    covers: () => true,
    breaks: (site) =>
      site.target.kind === "computed"
        ? `${site.kind === "require" ? "requires" : "imports"} a computed module name`
        : undefined,
  },
];

export interface Violation {
  file: string;
  line: number;
  rule: string;
  detail: string;
}

export const formatViolation = (v: Violation) => `${v.file}:${v.line}: ${v.detail} [${v.rule}]`;

/** The violations, one a line, then the rules they break in full. */
export function layerReport(violations: Violation[]): string {
  const broken = RULES.filter((r) => violations.some((v) => v.rule === r.id));
  return [
    ...violations.map(formatViolation),
    "",
    ...broken.map((r) => `${r.id}: ${r.rule}`),
    "(the rules are in test/architecture/rules.ts)",
  ].join("\n");
}

/** Checks every file of SCANNED under `root` against RULES. */
export function checkLayers(root: string): Violation[] {
  const files = SCANNED.flatMap((dir) => sourceFiles(root, dir));
  const sites = new Map(files.map((file) => [file, importsOf(root, file)]));
  const context = ruleContext(root, sites);
  const violations: Violation[] = [];
  for (const file of files) {
    for (const rule of RULES) {
      if (!rule.covers(file)) continue;
      const misplaced = rule.misplaced?.(file);
      if (misplaced) violations.push({ file, line: 1, rule: rule.id, detail: misplaced });
      if (!rule.breaks) continue;
      for (const site of sites.get(file) ?? []) {
        const detail = rule.breaks(site, context);
        if (detail) violations.push({ file, line: site.line, rule: rule.id, detail });
      }
    }
  }
  return violations;
}

function ruleContext(root: string, sites: Map<string, ImportSite[]>): RuleContext {
  const manifest = JSON.parse(readFileSync(posix.join(root, SANDBOX_DIR, "package.json"), "utf8")) as Record<
    string,
    Record<string, string> | undefined
  >;
  const sandboxDependencies = new Set(
    ["dependencies", "peerDependencies", "optionalDependencies"].flatMap((field) =>
      Object.keys(manifest[field] ?? {}),
    ),
  );
  const land = (path: string) => landsOn(root, path);

  // Depth-first over value imports; the tree is small enough to walk afresh for each question,
  // and `seen` ends import cycles.
  const ioChain = (file: string, seen = new Set<string>()): string[] | undefined => {
    seen.add(file);
    for (const site of sites.get(file) ?? []) {
      if (site.typeOnly) continue;
      const t = site.target;
      const here = `${site.file}:${site.line}`;
      if (t.kind === "builtin" && IO_BUILTINS.has(t.module)) return [here, `node:${t.module}`];
      if (t.kind === "package" && NETWORK_PACKAGES.has(t.name)) return [here, t.name];
      if (t.kind === "global") return [here, t.name];
      if (t.kind !== "file") continue;
      const next = land(t.path);
      if (!next || seen.has(next)) continue;
      const further = ioChain(next, seen);
      if (further) return [here, ...further];
    }
    return undefined;
  };
  return { sandboxDependencies, ioChain, landsOn: land };
}
