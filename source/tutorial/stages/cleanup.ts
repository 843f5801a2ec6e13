import { describeMatch, type HttpRoute, httpRoutes, virtualServicesFor } from "../../model/istioConfig.ts";
import { seconds } from "../../model/reviewsRouting.ts";
import type { Sample, Snapshot } from "../../model/snapshot.ts";
import { ANONYMOUS, JASON } from "../../model/streams.ts";
import { listNames } from "../bookinfo.ts";
import { recentPages, routingStage, tally } from "../routing/routingStage.ts";

const PAGES = 5;
const v1 = (s: Sample) => s.version === "v1";

export const cleanup = routingStage({
  id: "cleanup",
  title: "Clean up: every service back to v1",
  why:
    "The lesson's rules stay until removed: a forgotten delay or timeout would puzzle the next person. Cleaning up " +
    "puts back what route-v1 left, every service routed to v1 without faults or timeouts, and says what it removed.",
  target: "every service back to v1, no faults or timeouts",
  timeoutMs: 60_000,
  evidence: { samples: PAGES + 2, streams: [ANONYMOUS, JASON] },
  judge(snapshot) {
    const jason = recentPages(snapshot, JASON, PAGES);
    const anonymous = recentPages(snapshot, ANONYMOUS, PAGES);
    const detail = `anonymous: ${tally(anonymous, PAGES, "v1", v1)}; jason: ${tally(jason, PAGES, "v1", v1)}`;
    const done = [jason, anonymous].every((pages) => pages.length >= PAGES && pages.every(v1));
    return done
      ? { state: "done", detail: `back to v1, no faults or timeouts: ${detail}` }
      : { state: "pending", detail };
  },
  after(context, before) {
    const removed = removedRules(before);
    context.note?.(
      removed.length === 0 ? "nothing of the lesson was left to remove" : `removed ${listNames(removed, 6)}`,
    );
  },
});

/** What the lesson's routing had that plain v1 routing does not, per VirtualService. */
export function removedRules(snapshot: Snapshot): string[] {
  const out: string[] = [];
  for (const service of ["reviews", "ratings", "productpage", "details"]) {
    for (const vs of virtualServicesFor(snapshot.virtualServices, service, snapshot.namespace)) {
      const rules = httpRoutes(vs);
      const extra = rules.flatMap((rule) => ruleExtras(rule));
      if (extra.length > 0) out.push(`${extra.join(", ")} from VirtualService ${vs.metadata.name}`);
    }
  }
  return out;
}

function ruleExtras(rule: HttpRoute): string[] {
  const extras: string[] = [];
  const who = rule.match ? ` for ${rule.match.map(describeMatch).join(" or ")}` : "";
  if (rule.fault?.delay) extras.push(`the ${seconds(rule.fault.delay.ms)} delay${who}`);
  if (rule.fault?.abort) extras.push(`the ${rule.fault.abort.status} abort${who}`);
  if (rule.timeoutMs !== undefined) extras.push(`the ${seconds(rule.timeoutMs)} timeout`);
  const elsewhere = rule.route.filter((d) => d.subset !== "v1");
  if (elsewhere.length > 0 || rule.route.length > 1) {
    const targets = rule.route.map(
      (d) =>
        `${d.subset ?? "any version"}${rule.route.length > 1 && d.weight !== undefined ? ` ${d.weight}` : ""}`,
    );
    if (elsewhere.length > 0) extras.push(`the route${who} to ${targets.join("/")}`);
  }
  return extras;
}
