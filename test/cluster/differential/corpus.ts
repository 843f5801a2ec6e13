import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { dump, load } from "js-yaml";
import type { Endpoint } from "./endpoint.ts";
import type { TestPki } from "./pki.ts";

/**
 * One kubeconfig situation, as data: the files (kubeconfigs, certificates, token files, plugin
 * scripts), the environment and the flags. Strings may hold placeholders (`${SERVER}`,
 * `${CA_DATA}`, ...) filled in for each client's run, since every run has its own endpoint.
 */
export interface Case {
  name: string;
  about: string;
  /** Relative paths under the case's folder; an object is written as YAML, a string as it is. */
  files: Record<string, FileSpec>;
  /** KUBECONFIG entries, relative to the case's folder unless absolute. */
  kubeconfigEnv?: string[];
  flags: Flags;
  env: Record<string, string>;
  /** Answer 401 to these Authorization headers (a stale token). */
  refuse: string[];
  /** Texts a failure should show the person (an installHint): each becomes a yes/no facet. */
  mentions: string[];
}

export interface Flags {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A string is the file's text; `{ text, executable }` a script; any other object a YAML document. */
type FileSpec = string | { text: unknown; executable?: boolean } | Record<string, unknown>;

const FOLDER = join(import.meta.dirname, "corpus");

/** Every case of every corpus file, in file then list order; names are unique. */
export function loadCorpus(folder = FOLDER): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith(".yaml"))
    .sort()) {
    let list: unknown;
    try {
      list = load(readFileSync(join(folder, file), "utf8"));
    } catch (error) {
      throw new Error(
        `${file}: ${(error as { reason?: string }).reason ?? error} at line ${((error as { mark?: { line: number } }).mark?.line ?? 0) + 1}`,
      );
    }
    if (!Array.isArray(list)) throw new Error(`${file}: expected a list of cases`);
    for (const raw of list as Record<string, unknown>[]) {
      const name = String(raw.name ?? "");
      if (!name || typeof raw.about !== "string")
        throw new Error(`${file}: every case needs a name and about`);
      if (cases.some((c) => c.name === name)) throw new Error(`${file}: case ${name} is defined twice`);
      const files = { ...((raw.files as Record<string, FileSpec>) ?? {}) };
      const flags = { ...((raw.flags as Flags) ?? {}) };
      // Shorthand: `config` is the one kubeconfig, passed with --kubeconfig.
      if (raw.config !== undefined) {
        files.config = raw.config as FileSpec;
        flags.kubeconfig ??= "config";
      }
      cases.push({
        name,
        about: raw.about,
        files,
        kubeconfigEnv: raw.kubeconfigEnv as string[] | undefined,
        flags,
        env: (raw.env as Record<string, string>) ?? {},
        refuse: (raw.refuse as string[]) ?? [],
        mentions: (raw.mentions as string[]) ?? [],
      });
    }
  }
  return cases;
}

/** The values placeholders stand for in one run. */
export function placeholders(pki: TestPki, endpoint: Endpoint, dir: string): Record<string, string> {
  const b64 = (text: string) => Buffer.from(text).toString("base64");
  return {
    SERVER: endpoint.url("main"),
    OTHER_SERVER: endpoint.url("other"),
    PORT: String(endpoint.port("main")),
    PROXY: endpoint.proxyUrl,
    PROXY_PORT: new URL(endpoint.proxyUrl).port,
    CA_PEM: pki.caPem,
    CA_DATA: b64(pki.caPem),
    OTHER_CA_PEM: pki.otherCaPem,
    OTHER_CA_DATA: b64(pki.otherCaPem),
    CLIENT_CERT_PEM: pki.clientCertPem,
    CLIENT_KEY_PEM: pki.clientKeyPem,
    CLIENT_CERT_DATA: b64(pki.clientCertPem),
    CLIENT_KEY_DATA: b64(pki.clientKeyPem),
    // As JSON strings, for plugin scripts that print an ExecCredential.
    CLIENT_CERT_JSON: JSON.stringify(pki.clientCertPem),
    CLIENT_KEY_JSON: JSON.stringify(pki.clientKeyPem),
    DIR: dir,
    HOME: join(dir, "home"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
  };
}

export const fill = (text: string, values: Record<string, string>): string =>
  text.replace(/\$\{([A-Z_]+)\}/g, (whole, key: string) => values[key] ?? whole);

function fillDeep(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === "string") return fill(value, values);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, values));
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, values)]));
  return value;
}

/** Writes the case's files under `dir` (with an empty home folder), placeholders filled. */
export function materialise(testCase: Case, dir: string, values: Record<string, string>): void {
  mkdirSync(join(dir, "home"), { recursive: true });
  for (const [name, spec] of Object.entries(testCase.files)) {
    const file = join(dir, name);
    mkdirSync(dirname(file), { recursive: true });
    const { text, executable } =
      typeof spec === "object" && spec !== null && "text" in spec ? spec : { text: spec, executable: false };
    const body =
      typeof text === "string" ? fill(text, values) : dump(fillDeep(text, values), { lineWidth: -1 });
    writeFileSync(file, body, { mode: executable ? 0o755 : 0o600 });
    if (executable) chmodSync(file, 0o755);
  }
}

/** The environment a client runs with: nothing of this machine's kubeconfig leaks in. */
export function environment(testCase: Case, dir: string, values: Record<string, string>) {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(dir, "home"),
  };
  // Entries stay as written: a relative one is relative to the working directory, the case's folder.
  if (testCase.kubeconfigEnv)
    env.KUBECONFIG = testCase.kubeconfigEnv.map((entry) => fill(entry, values)).join(":");
  for (const [key, value] of Object.entries(testCase.env)) env[key] = fill(value, values);
  return env;
}

/** kubectl's spelling of the case's flags. */
export function kubectlFlags(flags: Flags, values: Record<string, string>): string[] {
  const out: string[] = [];
  for (const key of ["kubeconfig", "context", "cluster", "user", "namespace"] as const) {
    const value = flags[key];
    if (value !== undefined) out.push(`--${key}=${fill(value, values)}`);
  }
  return out;
}
