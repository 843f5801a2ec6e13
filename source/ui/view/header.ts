// The header: context, namespace, server, Istio, and GATEWAY_URL with how it was found.

import { roomPace } from "../../model/room.ts";
import type { GatewayAddress } from "../../model/snapshot.ts";
import { fit, type Line, type Seg, seg, type ViewInput } from "./lines.ts";

const GATEWAY_SOURCES: Record<GatewayAddress["source"], { short: string; long: string }> = {
  LoadBalancer: { short: "LoadBalancer", long: "the ingress Service's LoadBalancer address" },
  NodePort: { short: "NodePort", long: "NodePort on the ingress gateway pod's host IP" },
  "port-forward": {
    short: "port-forward",
    long: "a port-forward to the ingress gateway, opened by the tour",
  },
  flag: { short: "--gateway-url", long: "given with --gateway-url" },
  workshop: { short: "workshop", long: "given by the workshop's facilitator" },
};

export function headerLines(input: ViewInput, width: number): Line[] {
  const { snapshot, theme, boot } = input;
  const d = theme.glyphs.dot;
  if (!snapshot) {
    return [
      fit(
        [
          seg("kubectl bookinfo", "strong"),
          seg(` ${d} `, "dim"),
          seg(`${boot.text}${theme.glyphs.ellipsis}`, "accent"),
        ],
        width,
        theme,
      ),
      [seg("Istio's Bookinfo tutorial, stage by stage, on a live cluster", "dim")],
    ];
  }
  const wide = width >= 100;
  // Narrow terminals get kubectl's short words, so the server still fits on the line.
  const first: Line = [
    seg("kubectl bookinfo", "strong"),
    seg(wide ? "  context " : "  ctx ", "dim"),
    seg(snapshot.context),
    seg(wide ? "  namespace " : "  ns ", "dim"),
    seg(snapshot.namespace),
  ];
  // Where a workshop's facilitator says the room should be; before the server, which may be cut.
  const pace = roomPace(snapshot);
  if (pace) first.push(seg("  the room is at: ", "dim"), seg(pace, "accent"));
  first.push(seg(wide ? "  server " : "  ", "dim"), seg(snapshot.server));
  const istio = snapshot.istio;
  const istioText: Seg = istio.detecting
    ? seg(`detecting${theme.glyphs.ellipsis}`, "dim")
    : istio.installed
      ? seg(istio.version ?? "installed (version unknown)", "ok")
      : seg("not installed", "bad");
  const gateway = snapshot.gateway;
  const second: Line = [seg("Istio ", "dim"), istioText, seg("  GATEWAY_URL ", "dim")];
  if (gateway) {
    const source = GATEWAY_SOURCES[gateway.source];
    second.push(seg(hostPort(gateway.url), "accent"));
    // The Host is what an attendee must send; how the address was found may be cut before it.
    if (snapshot.host) second.push(seg("  Host ", "dim"), seg(snapshot.host, "accent"));
    second.push(seg(` (${wide ? source.long : source.short})`, "dim"));
  } else if (
    snapshot.unreadable.ingressPods !== undefined ||
    snapshot.unreadable.ingressService !== undefined
  ) {
    // Nothing will turn up by waiting: this context cannot see istio-system.
    second.push(
      seg("unknown", "warn"),
      seg(wide ? " (istio-system not readable: pass --gateway-url)" : "", "dim"),
    );
  } else {
    second.push(
      seg("not found yet", "warn"),
      seg(wide ? " (no ingress address: LoadBalancer, NodePort or port-forward)" : "", "dim"),
    );
  }
  return [fit(first, width, theme), fit(second, width, theme)];
}

function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\//, "").replace(/\/$/, "");
}
