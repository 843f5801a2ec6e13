import { randomBytes } from "node:crypto";
import type { Program, ProgramFor } from "../dataplane/workload.ts";
import { bookinfoImage } from "../istio/seed.ts";
import type { Pod } from "../kube.ts";
import { details } from "./details.ts";
import { productpage } from "./productpage.ts";
import { ratings } from "./ratings.ts";
import { reviews } from "./reviews.ts";

/**
 * The programs behind Bookinfo's images: a pod runs the one its (non-proxy) container image
 * names, so a reviews-v2 image shows black stars whatever its labels claim.
 */
export function bookinfoPrograms(options: { sessionSecret?: Buffer } = {}): ProgramFor {
  const secret = options.sessionSecret ?? randomBytes(32);
  const page = productpage(secret);
  const byImage = new Map<string, Program | null>();
  const byPod = new WeakMap<Pod, Program | null>();

  const forImage = (image: string): Program | null => {
    let program = byImage.get(image);
    if (program === undefined) {
      const known = bookinfoImage(image);
      program = null;
      if (known?.app === "productpage") program = page;
      else if (known?.app === "details") program = details;
      else if (known?.app === "reviews") program = reviews(known.version);
      else if (known?.app === "ratings") program = ratings(known.version);
      if (byImage.size > 256) byImage.clear();
      byImage.set(image, program);
    }
    return program;
  };

  return (pod) => {
    let program = byPod.get(pod);
    if (program === undefined) {
      program = null;
      for (const container of pod.spec?.containers ?? []) {
        if (container.name === "istio-proxy" || !container.image) continue;
        program = forImage(container.image);
        if (program) break;
      }
      byPod.set(pod, program);
    }
    return program ?? undefined;
  };
}
