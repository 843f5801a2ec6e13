import { readFileSync } from "node:fs";

// Read at start-up rather than imported, so the bundle and the source report the same version.
function readVersion(): string {
  for (const path of ["../../package.json", "../package.json"]) {
    try {
      return JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")).version;
    } catch {}
  }
  return "unknown";
}

// The single-file executable has no package.json beside it: its build writes the version in.
declare const __BOOKINFO_VERSION__: string | undefined;

export const VERSION = typeof __BOOKINFO_VERSION__ === "string" ? __BOOKINFO_VERSION__ : readVersion();
