import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Decks } from "../../../src/dataplane/balancer.ts";
import type { SimRequest } from "../../../src/dataplane/http.ts";
import { watchMesh } from "../../../src/dataplane/meshView.ts";
import { type Decision, type RoutingContext, routeFromGateway } from "../../../src/dataplane/routing.ts";
import type { Store } from "../../../src/store/store.ts";
import {
  addBookinfo,
  addIngressGateway,
  gateway,
  gatewayVirtualService,
  newStore,
  seededRandom,
} from "./fixtures.ts";

// Attendees of a workshop on one shared ingress gateway, each with a Gateway and VirtualService
// for a host of their own. Envoy picks the virtual host whose domain matches the Host header most
// specifically (exact, then the longest wildcard suffix, then "*"), so an attendee's own host
// reaches their Bookinfo even when someone else still binds "*" to the same port.

const PORT = 31380;
const GW = "gateways.networking.istio.io";
const VS = "virtualservices.networking.istio.io";

const get = (host: string): SimRequest => ({
  method: "GET",
  path: "/productpage",
  headers: { host: `${host}:${PORT}` },
  body: "",
});

/** Which namespace's productpage answered, or the reply. */
function answeredBy(d: Decision): string {
  if (d.kind === "reply") return String(d.response.status);
  return d.pod?.metadata.namespace ?? "(fault only)";
}

function room(namespaces: string[]) {
  const store = newStore();
  addIngressGateway(store, PORT);
  for (const ns of namespaces) {
    store.create("namespaces", { metadata: { name: ns } });
    addBookinfo(store, ns);
  }
  const view = watchMesh(store);
  const random = seededRandom(3);
  const decks = new Decks(random);
  const ctx = (): RoutingContext => ({ index: view.current(), decks, random });
  return { store, route: (host: string) => answeredBy(routeFromGateway(ctx(), PORT, get(host))) };
}

/** The tutorial's Gateway and VirtualService in `ns`, bound to `gatewayHosts` and `vsHosts`. */
function bind(store: Store, ns: string, gatewayHosts: string[], vsHosts = gatewayHosts): void {
  const gw = gateway(ns);
  gw.spec.servers[0]!.hosts = gatewayHosts;
  store.create(GW, gw);
  const vs = gatewayVirtualService(ns);
  (vs.spec as { hosts: string[] }).hosts = vsHosts;
  store.create(VS, vs);
}

describe("gateway routing by Host on a shared ingress", () => {
  test("each attendee's host reaches their own Bookinfo; a host nobody binds gets 404", () => {
    const { store, route } = room(["attendee-1", "attendee-2"]);
    bind(store, "attendee-1", ["attendee-1.bookinfo.local"]);
    bind(store, "attendee-2", ["attendee-2.bookinfo.local"]);
    assert.equal(route("attendee-1.bookinfo.local"), "attendee-1");
    assert.equal(route("attendee-2.bookinfo.local"), "attendee-2");
    assert.equal(route("attendee-3.bookinfo.local"), "404");
    assert.equal(route("127.0.0.1"), "404");
  });

  test("an older Gateway on * does not take the hosts others bind exactly; it keeps the rest", () => {
    // Istio orders configuration by age, then by namespace: "a-straggler" comes first.
    const { store, route } = room(["a-straggler", "attendee-1", "attendee-2"]);
    bind(store, "a-straggler", ["*"]);
    bind(store, "attendee-1", ["attendee-1.bookinfo.local"]);
    bind(store, "attendee-2", ["attendee-2.bookinfo.local"]);
    assert.equal(route("attendee-1.bookinfo.local"), "attendee-1");
    assert.equal(route("attendee-2.bookinfo.local"), "attendee-2");
    assert.equal(route("127.0.0.1"), "a-straggler");
  });

  test("a longer wildcard suffix wins over a shorter one, and an exact host over both", () => {
    const { store, route } = room(["a-wide", "b-narrow", "c-exact"]);
    bind(store, "a-wide", ["*.local"]);
    bind(store, "b-narrow", ["*.bookinfo.local"]);
    bind(store, "c-exact", ["exact.bookinfo.local"]);
    assert.equal(route("exact.bookinfo.local"), "c-exact");
    assert.equal(route("other.bookinfo.local"), "b-narrow");
    assert.equal(route("other.local"), "a-wide");
  });

  test("a VirtualService on * bound to a host-specific Gateway serves that host only", () => {
    const { store, route } = room(["attendee-1", "attendee-2"]);
    // The VirtualService on * comes first by namespace, and must still stay on its Gateway's host.
    bind(store, "attendee-1", ["attendee-1.bookinfo.local"], ["*"]);
    bind(store, "attendee-2", ["attendee-2.bookinfo.local"]);
    assert.equal(route("attendee-1.bookinfo.local"), "attendee-1");
    assert.equal(route("attendee-2.bookinfo.local"), "attendee-2");
  });

  test("two Gateways on * for the same port: the oldest configuration answers for everyone", () => {
    const { store, route } = room(["first", "second"]);
    bind(store, "first", ["*"]);
    bind(store, "second", ["*"]);
    assert.equal(route("127.0.0.1"), "first");
    assert.equal(route("second.bookinfo.local"), "first");
  });
});
