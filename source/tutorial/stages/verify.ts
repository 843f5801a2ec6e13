import { named } from "../../model/istioConfig.ts";
import { foreignPages } from "../../model/servedBy.ts";
import type { Sample, Snapshot } from "../../model/snapshot.ts";
import { type Fix, fix } from "../fix.ts";
import type { Stage, StageCheck } from "../stage.ts";
import { GATEWAY_NAME, GATEWAY_VIRTUAL_SERVICE, gatewayUrlCommands } from "./gateway.ts";

// The docs' own check, verbatim: ${GATEWAY_URL} is for the user's shell to expand.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, not a template slot
const CURL = 'curl -s "http://${GATEWAY_URL}/productpage" | grep -o "<title>.*</title>"';

/** The docs' curl, sending the namespace's own Host when it has one (a workshop on a shared gateway). */
export function curl(host: string | null): string {
  return host ? CURL.replace("curl -s ", `curl -s -H "Host: ${host}" `) : CURL;
}

/** How many recent samples the detail summarises. */
const RECENT = 10;

export const verify: Stage = {
  id: "verify",
  title: "Open the product page",
  why:
    "A request to GATEWAY_URL/productpage travels through the ingress gateway to productpage, which calls details and " +
    "reviews. A 200 with the page title proves the whole path works. Each page also shows which reviews version " +
    "answered: v1 has no stars, v2 black stars, v3 red stars; with no routing rules yet they take turns.",
  commands(snapshot) {
    const url = snapshot.gateway
      ? [`export GATEWAY_URL=${hostPort(snapshot.gateway.url)}`]
      : gatewayUrlCommands(snapshot);
    return [...url, curl(snapshot.host)];
  },
  manifests: [],
  timeoutMs: 60_000,
  evidence: { samples: 10 },
  check: checkVerify,
  async apply() {
    // Nothing to change in the cluster: the engine samples the page and this check reads it.
  },
};

function checkVerify(snapshot: Snapshot): StageCheck {
  if (!snapshot.gateway) return { state: "pending", detail: "no gateway address yet" };
  const latest = snapshot.samples.at(-1);
  if (!latest)
    return {
      state: "pending",
      detail: `waiting for the first answer from ${snapshot.gateway.url}/productpage`,
    };

  const recent = snapshot.samples.slice(-RECENT);
  const ok = recent.filter((s) => s.code === 200).length;
  // The latest few judge, not every sample taken: say which, next to a count of them all.
  const tally =
    recent.length === 1
      ? `the one request so far ${ok === 1 ? "answered" : "did not answer"} 200`
      : `${ok} of the last ${recent.length} requests answered 200`;
  if (latest.code === 200) {
    const foreign = foreignPages(snapshot, [latest])[0];
    if (foreign) return servedElsewhere(snapshot, foreign, tally);
    const version = latest.version ? `reviews ${latest.version}` : "reviews version not shown";
    const errors = latest.pageErrors?.length
      ? `; the page reports ${latest.pageErrors.join(" and ")} unavailable`
      : "";
    return { state: "done", detail: `200 OK, ${version}${errors} (${tally})` };
  }
  const { what, fix: remedy } = explain(latest, snapshot.namespace);
  // Before the gateway stage nothing is expected to answer: that is where the tour stands, not a fault.
  if (!gatewayApplied(snapshot)) {
    return { state: "pending", detail: `${what}, as expected until the gateway stage is done (${tally})` };
  }
  return { state: "failed", detail: `${what} (${tally})`, fix: remedy };
}

/**
 * GATEWAY_URL is the shared ingress gateway: a 200 rendered by a reviews pod this namespace does
 * not have is another namespace's Bookinfo answering, which proves nothing about this one. Before
 * the gateway stage that is only where the tour stands; after it, another Gateway takes this
 * namespace's traffic (the mesh analysis names it).
 */
function servedElsewhere(snapshot: Snapshot, sample: Sample, tally: string): StageCheck {
  const ns = snapshot.namespace;
  const pod = sample.reviewsPod ? `reviews pod ${sample.reviewsPod}` : "its reviews pod";
  const what = `200 OK from another namespace's Bookinfo: ${pod} is not in namespace ${ns}`;
  if (!gatewayApplied(snapshot)) {
    return {
      state: "pending",
      detail: `${what}; this namespace's answers once the gateway stage is done (${tally})`,
    };
  }
  return {
    state: "failed",
    detail: `${what} (${tally})`,
    fix: fix(
      "another Gateway on the shared ingress gateway claims the same host and port, and its routes win",
      {
        do: "run",
        command: "kubectl get gateways,virtualservices --all-namespaces",
      },
    ),
  };
}

/** What a failed request means for someone at this step of the tutorial, and where to look. */
export function explain(sample: Sample, namespace: string): { what: string; fix: Fix } {
  const ns = namespace;
  if (sample.code === undefined) {
    switch (sample.error) {
      case "refused":
        return {
          what: "connection refused",
          fix: fix(
            "the gateway is not listening there: it opens a port only when a Gateway selects it; check bookinfo-gateway's selector and port (8080 or 80)",
          ),
        };
      case "reset":
        return {
          what: "connection reset",
          fix: fix(
            "the gateway dropped the connection, usually because no Gateway configures that port yet; check bookinfo-gateway's port",
          ),
        };
      case "timeout":
        return {
          what: "no answer (timeout)",
          fix: fix(
            "the address is not reachable from here: a LoadBalancer may still be pending (minikube tunnel, MetalLB on kind) or a firewall drops it",
          ),
        };
      case "dns":
        return {
          what: "host name does not resolve",
          fix: fix("check the host in GATEWAY_URL (or --gateway-url)"),
        };
      case "truncated":
        return {
          what: "the answer broke off",
          fix: fix(
            "the connection closed in the middle of the page: something between here and productpage (a proxy, a port-forward, the gateway) cut it; check that GATEWAY_URL points at the ingress gateway itself",
          ),
        };
      case "not-productpage":
        return {
          what: "200, but not Bookinfo's product page",
          fix: fix(
            "something else answers at GATEWAY_URL (another application, an error page); check the address and that the Gateway's route sends /productpage to productpage",
            { do: "run", command: `kubectl -n ${ns} get virtualservice bookinfo -o yaml` },
          ),
        };
      default:
        return { what: "request failed", fix: fix("check that GATEWAY_URL points at the ingress gateway") };
    }
  }
  switch (sample.code) {
    case 404:
      return {
        what: "404 Not Found",
        fix: fix("the gateway answered but no route matched /productpage; check VirtualService bookinfo", {
          do: "run",
          command: `kubectl -n ${ns} get virtualservice bookinfo -o yaml`,
        }),
      };
    case 503:
      return {
        what: "503 Service Unavailable",
        fix: fix("productpage has no ready pods, or a route names a subset no DestinationRule defines", {
          do: "run",
          command: `kubectl -n ${ns} get pods -l app=productpage`,
        }),
      };
    case 502:
    case 504:
      return {
        what: `${sample.code} from the gateway`,
        fix: fix("productpage did not answer in time", {
          do: "run",
          command: `kubectl -n ${ns} logs deploy/productpage-v1`,
        }),
      };
    default:
      return {
        what: `HTTP ${sample.code}`,
        fix: fix("productpage answered with an error", {
          do: "run",
          command: `kubectl -n ${ns} logs deploy/productpage-v1`,
        }),
      };
  }
}

function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\//, "").replace(/\/$/, "");
}

function gatewayApplied(snapshot: Snapshot): boolean {
  return (
    named(snapshot.gateways, GATEWAY_NAME) !== undefined &&
    named(snapshot.virtualServices, GATEWAY_VIRTUAL_SERVICE) !== undefined
  );
}
