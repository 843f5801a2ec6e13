import { createHash } from "node:crypto";
import { bookinfoImage } from "../istio/seed.ts";
import type { Container } from "../kube.ts";

// How long the simulated node takes for each image and container, in seconds at speed 1. The
// values are in the range a laptop kind cluster shows; what matters is their order (reviews, a
// Java/Liberty image, is the biggest and the slowest to get ready) and that they are not zero.

const ISTIO_IMAGES = new Set(["proxyv2", "pilot", "install-cni", "ztunnel"]);

function repositoryOf(image: string): string {
  const name = image.split("@", 1)[0] ?? "";
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return colon > slash ? name.slice(0, colon) : name;
}

/** The fully qualified reference containerd reports: `nginx` -> `docker.io/library/nginx:latest`. */
export function normalizeImage(image: string): string {
  const [name = "", digest] = image.split("@");
  const segments = name.split("/");
  const first = segments[0] ?? "";
  const hasRegistry =
    segments.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  let full = hasRegistry ? name : segments.length === 1 ? `docker.io/library/${name}` : `docker.io/${name}`;
  const last = full.slice(full.lastIndexOf("/") + 1);
  if (!digest && !last.includes(":")) full += ":latest";
  return digest ? `${full}@${digest}` : full;
}

/** `repo@sha256:...`, stable per image so every pod running it reports the same digest. */
export function imageID(image: string): string {
  const full = normalizeImage(image);
  const digest = full.split("@")[1];
  const repository = repositoryOf(full);
  return `${repository}@${digest ?? `sha256:${createHash("sha256").update(full).digest("hex")}`}`;
}

/** Istio's own images came with the install, so the node already has them. */
export function isPreloaded(image: string): boolean {
  const repository = repositoryOf(image);
  return ISTIO_IMAGES.has(repository.slice(repository.lastIndexOf("/") + 1)) && repository.includes("istio");
}

export function pullSeconds(image: string): number {
  switch (bookinfoImage(image)?.app) {
    case "reviews":
      return 6;
    case "productpage":
      return 3.5;
    case "details":
    case "ratings":
      return 2.5;
    default:
      return 3;
  }
}

/** From container start to Ready: the sidecar's readiness probe passes after about a second. */
export function readySeconds(container: Container): number {
  if (container.name === "istio-proxy") return 1;
  switch (bookinfoImage(container.image ?? "")?.app) {
    case "reviews":
      return 5;
    case "productpage":
      return 1.5;
    case "details":
    case "ratings":
      return 1;
  }
  const probe = container.readinessProbe as { initialDelaySeconds?: number } | undefined;
  return probe ? Math.max(1, probe.initialDelaySeconds ?? 0) : 0.2;
}

/** istio-init's iptables setup is quick; other init containers get a second. */
export const initRunSeconds = (container: Container): number => (container.name === "istio-init" ? 0.5 : 1);

/**
 * The exit code after SIGTERM: pilot-agent and most apps exit cleanly (Completed), the JVM
 * behind reviews exits with 128+15 (Error).
 */
export const exitCodeOnStop = (container: Container): number =>
  bookinfoImage(container.image ?? "")?.app === "reviews" ? 143 : 0;
