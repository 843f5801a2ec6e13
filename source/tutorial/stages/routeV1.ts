import {
  destinationRuleSubsets,
  destinationRulesFor,
  httpRoutes,
  isIstioNetworking,
  localServiceName,
  virtualServicesFor,
} from "../../model/istioConfig.ts";
import { pageOwner } from "../../model/servedBy.ts";
import type { Snapshot } from "../../model/snapshot.ts";
import { BOOKINFO_APPS, listNames, SAMPLES } from "../bookinfo.ts";
import { fix } from "../fix.ts";
import { dialectFor, ISTIO } from "../routing/istio.ts";
import { routingPosition, stepStanding } from "../routing/sequence.ts";
import type { Stage, StageCheck, StageContext } from "../stage.ts";

/** How many recent pages (that showed a version) must all be v1. */
export const RECENT_VERSIONED = 10;

export const routeV1: Stage = {
  id: "route-v1",
  title: "Route all traffic to v1",
  why:
    "A DestinationRule names the versions of a service (subsets, picked by the pods' version label); a VirtualService " +
    "then routes requests to one of them. Sending every service to v1 makes the page stop changing: no stars, every time. " +
    "The subsets must exist before the routes that use them, or those calls fail with 503.",
  commands: (snapshot) => dialectFor(snapshot).commands("route-v1", snapshot),
  manifests: ISTIO.files("route-v1"),
  timeoutMs: 60_000,
  // The pages after the change are what shows it worked.
  evidence: { samples: 10 },
  check(snapshot) {
    // The traffic-management lesson replaces these rules stage by stage: moving on is not undoing.
    if (stepStanding("route-v1", snapshot) === "passed")
      return { state: "done", detail: `passed (the routing is at ${routingPosition(snapshot)} now)` };
    return checkRouteV1(snapshot);
  },
  async apply(context: StageContext) {
    for (const file of dialectFor(context.snapshot()).files("route-v1"))
      await context.actions.applyManifest(file);
  },
};

export interface MissingSubset {
  virtualService: string;
  service: string;
  subset: string;
  /** Names of the DestinationRules for that host; empty when there is none. */
  destinationRules: string[];
}

/** Routes in the namespace that name a subset no DestinationRule for their host defines. */
export function missingSubsets(snapshot: Snapshot): MissingSubset[] {
  const ns = snapshot.namespace;
  const missing: MissingSubset[] = [];
  for (const vs of snapshot.virtualServices) {
    if (!isIstioNetworking(vs)) continue;
    for (const http of httpRoutes(vs)) {
      for (const destination of http.route) {
        const service = localServiceName(destination.host, ns);
        if (!destination.subset || !service) continue;
        const rules = destinationRulesFor(snapshot.destinationRules, service, ns);
        const defined = rules.some((dr) =>
          destinationRuleSubsets(dr).some((s) => s.name === destination.subset),
        );
        const entry = {
          virtualService: vs.metadata.name ?? "",
          service,
          subset: destination.subset,
          destinationRules: rules.map((r) => r.metadata.name ?? ""),
        };
        if (!defined && !missing.some((m) => sameEntry(m, entry))) missing.push(entry);
      }
    }
  }
  return missing;
}

function checkRouteV1(snapshot: Snapshot): StageCheck {
  const ns = snapshot.namespace;
  const gap = missingSubsets(snapshot)[0];
  if (gap) {
    const where =
      gap.destinationRules.length === 0
        ? "no DestinationRule defines it"
        : `DestinationRule ${listNames(gap.destinationRules)} does not define it`;
    return {
      state: "failed",
      detail: `VirtualService ${gap.virtualService} routes to subset ${gap.subset} but ${where}: apply destination-rule-all.yaml first`,
      fix: fix(undefined, { do: "apply", namespace: ns, file: SAMPLES.destinationRules, by: "route-v1" }),
    };
  }

  const rulesMissing: string[] = [];
  const routesMissing: string[] = [];
  const routedElsewhere: string[] = [];
  for (const app of BOOKINFO_APPS) {
    const rules = destinationRulesFor(snapshot.destinationRules, app, ns);
    if (!rules.some((dr) => destinationRuleSubsets(dr).some((s) => s.name === "v1"))) rulesMissing.push(app);
    const services = virtualServicesFor(snapshot.virtualServices, app, ns);
    if (services.length === 0) {
      routesMissing.push(app);
      continue;
    }
    // Every rule of every VirtualService for the host, header matches included, must go to v1.
    const others = new Set<string>();
    for (const vs of services) {
      for (const http of httpRoutes(vs)) {
        for (const d of http.route) {
          if (d.subset !== "v1" || localServiceName(d.host, ns) !== app)
            others.add(d.subset ?? "all versions");
        }
      }
    }
    if (others.size > 0) routedElsewhere.push(`${app} to ${listNames([...others].sort())}`);
  }
  if (rulesMissing.length > 0 || routesMissing.length > 0 || routedElsewhere.length > 0) {
    const total = BOOKINFO_APPS.length;
    const parts = [
      `${total - rulesMissing.length} of ${total} DestinationRules with subset v1`,
      `${total - routesMissing.length - routedElsewhere.length} of ${total} VirtualServices to v1`,
    ];
    if (routedElsewhere.length > 0) parts.push(`routing ${routedElsewhere.join(", ")}`);
    return { state: "pending", detail: parts.join("; ") };
  }

  const recent = snapshot.samples.filter((s) => s.version !== undefined).slice(-RECENT_VERSIONED);
  if (recent.length === 0) return { state: "pending", detail: "rules in place; no page sampled yet" };
  // Pages another namespace's Bookinfo rendered say nothing of this namespace's routes.
  const foreign = recent.filter((s) => pageOwner(snapshot, s) === "foreign").length;
  if (foreign > 0)
    return {
      state: "pending",
      detail: `${foreign} of ${recent.length} recent pages come from another namespace's Bookinfo, not this one's`,
    };
  const v1 = recent.filter((s) => s.version === "v1").length;
  const detail = `${v1} of ${recent.length} recent pages v1`;
  return { state: v1 === recent.length ? "done" : "pending", detail };
}

function sameEntry(a: MissingSubset, b: MissingSubset): boolean {
  return a.virtualService === b.virtualService && a.service === b.service && a.subset === b.subset;
}
