// The Istio dialect: VirtualServices and DestinationRules, written by us in manifests/ from the
// semantics of Istio's own sample files (the ones the docs apply), and read back from whatever
// the cluster holds, Istio's files applied by hand included.

import type { KubeObject } from "../../model/kube.ts";
import { seconds, streamRouting } from "../../model/reviewsRouting.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { SAMPLES } from "../bookinfo.ts";
import type { RoutingDialect, RoutingStep } from "./dialect.ts";

/** The annotation the cleanup step leaves on what it applies, so its state differs from route-v1's. */
export const STAGE_ANNOTATION = "kubectl-bookinfo/stage";

const FILES: Record<RoutingStep, string[]> = {
  // Subsets first: a route to a subset that does not exist yet fails until it does.
  "route-v1": ["destination-rule-all.yaml", "virtual-service-all-v1.yaml"],
  // Each task of the docs starts from all-v1, which also takes earlier faults off ratings.
  "route-jason": ["virtual-service-all-v1.yaml", "virtual-service-reviews-test-v2.yaml"],
  "fault-delay": ["virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-delay.yaml"],
  "fault-abort": ["virtual-service-reviews-test-v2.yaml", "virtual-service-ratings-test-abort.yaml"],
  "canary-50": ["virtual-service-all-v1.yaml", "virtual-service-reviews-50-v3.yaml"],
  "canary-100": ["virtual-service-reviews-v3.yaml"],
  // The delay first, so the timeout is what the page meets.
  timeout: ["virtual-service-ratings-delay-2s.yaml", "virtual-service-reviews-v2-timeout.yaml"],
  cleanup: ["virtual-service-all-v1.yaml"],
};

export const ISTIO: RoutingDialect = {
  name: "Istio VirtualService",
  subsetsFile: SAMPLES.destinationRules,
  files: (step) => FILES[step],
  edit(step, parameters) {
    if (step === "canary-50" && parameters.weights) return withWeights(parameters.weights);
    if (step === "fault-delay" && parameters.delayMs !== undefined) return withDelay(parameters.delayMs);
    if (step === "cleanup") return marked("cleanup");
    return undefined;
  },
  commands(step, snapshot) {
    const ns = snapshot.namespace;
    const apply = (file: string) => `kubectl -n ${ns} apply -f ${file}`;
    const get = (name: string) => `kubectl -n ${ns} get virtualservice ${name} -o yaml`;
    switch (step) {
      case "route-v1":
        return [
          apply(SAMPLES.destinationRules),
          apply(SAMPLES.virtualServicesV1),
          `kubectl -n ${ns} get destinationrules,virtualservices`,
        ];
      case "route-jason":
        return [apply(SAMPLES.virtualServicesV1), apply(SAMPLES.reviewsTestV2), get("reviews")];
      case "fault-delay":
        return [apply(SAMPLES.reviewsTestV2), apply(SAMPLES.ratingsTestDelay), get("ratings")];
      case "fault-abort":
        return [apply(SAMPLES.reviewsTestV2), apply(SAMPLES.ratingsTestAbort), get("ratings")];
      case "canary-50":
        return [apply(SAMPLES.virtualServicesV1), apply(SAMPLES.reviews50V3), get("reviews")];
      case "canary-100":
        return [apply(SAMPLES.reviewsV3), get("reviews")];
      case "timeout":
        return [
          `kubectl -n ${ns} patch virtualservice ratings --type merge -p '{"spec":{"http":[{"fault":{"delay":{"percentage":{"value":100},"fixedDelay":"2s"}},"route":[{"destination":{"host":"ratings","subset":"v1"}}]}]}}'`,
          `kubectl -n ${ns} patch virtualservice reviews --type merge -p '{"spec":{"http":[{"route":[{"destination":{"host":"reviews","subset":"v2"}}],"timeout":"0.5s"}]}}'`,
        ];
      case "cleanup":
        return [apply(SAMPLES.virtualServicesV1), `kubectl -n ${ns} get virtualservices`];
    }
  },
  streamRouting,
  cleanedUp(snapshot) {
    const reviews = snapshot.virtualServices.find((vs) => vs.metadata.name === "reviews");
    return reviews?.metadata.annotations?.[STAGE_ANNOTATION] === "cleanup";
  },
};

/** The dialect the cluster speaks; the only one so far. */
export function dialectFor(_snapshot: Snapshot): RoutingDialect {
  return ISTIO;
}

function withWeights(weights: { v1: number; v3: number }) {
  return (object: KubeObject): KubeObject => {
    if (object.kind !== "VirtualService" || object.metadata.name !== "reviews") return object;
    const copy = structuredClone(object);
    const http = (
      copy.spec as { http?: { route?: { destination?: { subset?: string }; weight?: number }[] }[] }
    ).http;
    for (const rule of http ?? []) {
      for (const route of rule.route ?? []) {
        const subset = route.destination?.subset;
        if (subset === "v1" || subset === "v3") route.weight = weights[subset];
      }
    }
    return copy;
  };
}

function withDelay(delayMs: number) {
  return (object: KubeObject): KubeObject => {
    if (object.kind !== "VirtualService" || object.metadata.name !== "ratings") return object;
    const copy = structuredClone(object);
    const http = (copy.spec as { http?: { fault?: { delay?: { fixedDelay?: string } } }[] }).http;
    for (const rule of http ?? []) {
      if (rule.fault?.delay) rule.fault.delay.fixedDelay = seconds(delayMs);
    }
    return copy;
  };
}

function marked(stage: RoutingStep) {
  return (object: KubeObject): KubeObject => ({
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { ...object.metadata.annotations, [STAGE_ANNOTATION]: stage },
    },
  });
}
