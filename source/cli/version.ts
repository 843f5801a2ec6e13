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

export const VERSION = readVersion();
