import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAll } from "js-yaml";
import type { KubeObject } from "../model/kube.ts";
import type { IstioInfo } from "../model/snapshot.ts";
import { NO_TOUR_FILES, type TourFiles } from "../tutorial/files.ts";
import { ClusterError } from "./errors.ts";

/** The field manager of everything the tour writes; `reset` looks for exactly this. */
export const FIELD_MANAGER = "kubectl-bookinfo";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

export type NetworkingVersion = NonNullable<IstioInfo["networkingVersion"]>;

/**
 * The project's manifests/ folder, found by walking up from this module: it sits two levels up
 * from source/cluster/ and one level up from the bundled dist/ file; the single-file executable
 * looks beside itself (a krew install puts the folder there).
 */
export function manifestsDir(from?: string): string {
  const found = findManifestsDir(from);
  if (found) return found;
  throw new ClusterError(
    `cannot find the manifests folder next to kubectl-bookinfo (looked up from ${from ?? here()}); reinstall the plugin`,
    "manifest",
  );
}

function findManifestsDir(from = here()): string | null {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, "manifests");
    if (existsSync(join(candidate, "bookinfo.yaml"))) return candidate;
    dir = dirname(dir);
  }
  return null;
}

const here = () => dirname(fileURLToPath(import.meta.url));

/**
 * The copy of a manifest built into the single-file executable, used when no manifests folder
 * is on disk beside it; undefined anywhere else.
 */
function builtInManifest(name: string): string | undefined {
  const sea = process.getBuiltinModule?.("node:sea") as typeof import("node:sea") | undefined;
  if (!sea?.isSea()) return undefined;
  try {
    return sea.getAsset(`manifests/${name}`, "utf8");
  } catch {
    return undefined;
  }
}

/** A tour manifest's text and where it came from: manifests/ on disk, else the built-in copy. */
export function manifestText(file: string, dir?: string): { text: string; path: string } {
  if (dir === undefined && !isAbsolute(file) && !file.includes("/") && !findManifestsDir()) {
    const builtIn = builtInManifest(file);
    if (builtIn !== undefined) return { text: builtIn, path: `${file} (built into kubectl-bookinfo)` };
  }
  const path = manifestPath(file, dir);
  return { text: readText(path), path };
}

/** The objects of a tour manifest (see manifestText). */
export function loadManifest(file: string, dir?: string): KubeObject[] {
  const { text, path } = manifestText(file, dir);
  return parseManifest(text, path);
}

/**
 * The manifests folder as a person in `cwd` can name it in a command: "manifests" from the root
 * of a checkout (as the README's commands say), else its absolute path (an installed package).
 */
export function tourFiles(cwd = process.cwd()): TourFiles {
  let dir: string;
  try {
    dir = manifestsDir();
  } catch {
    return NO_TOUR_FILES;
  }
  const names = new Set(readdirSync(dir).filter((name) => name.endsWith(".yaml")));
  return { dir: relative(cwd, dir) === "manifests" ? "manifests" : dir, names };
}

/** A manifest name ("bookinfo.yaml") resolved in manifests/, or a path given as is. */
export function manifestPath(file: string, dir?: string): string {
  if (isAbsolute(file) || file.includes("/")) return resolve(file);
  return join(dir ?? manifestsDir(), file);
}

export function readManifest(path: string): KubeObject[] {
  return parseManifest(readText(path), path);
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new ClusterError(
      `cannot read manifest ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); reinstall the plugin or check the path`,
      "manifest",
      { cause: error },
    );
  }
}

/** Every object of a multi-document YAML text; a YAML or shape error names the file and line. */
export function parseManifest(text: string, file: string): KubeObject[] {
  let documents: unknown[];
  try {
    documents = loadAll(text, { filename: file }) as unknown[];
  } catch (error) {
    const line = (error as { mark?: { line?: number } }).mark?.line;
    const reason = (error as { reason?: string }).reason ?? String(error).split("\n", 1)[0];
    throw new ClusterError(
      `${file}${typeof line === "number" ? ` line ${line + 1}` : ""} is not valid YAML: ${reason}; fix the manifest`,
      "manifest",
      { cause: error },
    );
  }
  const objects: KubeObject[] = [];
  documents.forEach((document, index) => {
    if (document === null || document === undefined) return;
    const object = document as Partial<KubeObject>;
    const missing = !isRecord(document)
      ? "is not a mapping"
      : !object.apiVersion
        ? "has no apiVersion"
        : !object.kind
          ? "has no kind"
          : !isRecord(object.metadata) || !object.metadata.name
            ? "has no metadata.name"
            : undefined;
    if (missing)
      throw new ClusterError(`${file}: document ${index + 1} ${missing}; fix the manifest`, "manifest");
    objects.push(document as KubeObject);
  });
  return objects;
}

/**
 * What the tour sends for one manifest object: our label added, Istio's networking apiVersion set
 * to the version the server serves, and nothing the server owns (status, timestamps), which
 * `istioctl kube-inject` output carries.
 */
export function prepareForApply(object: KubeObject, networkingVersion: NetworkingVersion | null): KubeObject {
  const copy = structuredClone(object);
  const { group } = splitApiVersion(copy.apiVersion ?? "");
  if (group === ISTIO_NETWORKING_GROUP && networkingVersion)
    copy.apiVersion = `${ISTIO_NETWORKING_GROUP}/${networkingVersion}`;
  copy.metadata.labels = { ...copy.metadata.labels, [MANAGED_BY_LABEL]: FIELD_MANAGER };
  delete copy.status;
  delete copy.metadata.creationTimestamp;
  delete copy.metadata.resourceVersion;
  delete copy.metadata.uid;
  delete copy.metadata.managedFields;
  return copy;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** How kubectl names an object in its output: `deployment.apps/productpage-v1`, `service/details`. */
export function objectRef(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  const { group } = splitApiVersion(object.apiVersion ?? "");
  const kind = (object.kind ?? "").toLowerCase();
  return `${group ? `${kind}.${group}` : kind}/${object.metadata.name}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
