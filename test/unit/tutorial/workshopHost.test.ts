import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { applyManifest } from "../../../source/cluster/apply.ts";
import { ApiError } from "../../../source/cluster/connect.ts";
import type { KubeObject } from "../../../source/model/kube.ts";
import type { Snapshot } from "../../../source/model/snapshot.ts";
import { bindHost, gateway } from "../../../source/tutorial/stages/gateway.ts";
import { verify } from "../../../source/tutorial/stages/verify.ts";
import {
  fixText,
  ingressPod,
  ingressService,
  istioGatewayFile,
  manifest,
  nodePortGateway,
  served,
  snapshot,
} from "./fixtures.ts";

// A workshop on one shared ingress gateway: each attendee's namespace has a host of its own. The
// gateway stage binds that host instead of "*", is done only when the Gateway binds exactly it,
// and the equivalent commands send it.

const HOST = "attendee-1.bookinfo.local";

function applied(objects: KubeObject[], overrides: Partial<Snapshot> = {}): Snapshot {
  return snapshot({
    gateways: objects.filter((o) => o.kind === "Gateway"),
    virtualServices: objects.filter((o) => o.kind === "VirtualService"),
    ingressPods: [ingressPod()],
    ingressService: ingressService(),
    gateway: nodePortGateway,
    ...overrides,
  });
}

const bound = (host: string) => manifest("bookinfo-gateway.yaml").map(bindHost(host));

describe("the gateway stage in a workshop room", () => {
  test("bindHost puts the host where the file says * and leaves everything else as it was", () => {
    const [gw, vs] = bound(HOST) as [KubeObject, KubeObject];
    const [before] = manifest("bookinfo-gateway.yaml") as [KubeObject];
    assert.deepEqual((gw.spec as { servers: { hosts: string[] }[] }).servers[0]?.hosts, [HOST]);
    assert.deepEqual((vs.spec as { hosts: string[] }).hosts, [HOST]);
    assert.deepEqual((vs.spec as { gateways: string[] }).gateways, ["bookinfo-gateway"]);
    assert.deepEqual((before.spec as { servers: { hosts: string[] }[] }).servers[0]?.hosts, ["*"]);
    const service = served({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "x" },
      spec: { hosts: ["*"] },
    });
    assert.equal(bindHost(HOST)(service), service, "not an Istio object: untouched");
  });

  test("apply binds the namespace's host, and applies the file as it is without one", async () => {
    const calls: { file: string; objects?: KubeObject[] }[] = [];
    const context = (host: string | null) => ({
      snapshot: () => snapshot({ host }),
      actions: {
        async applyManifest(file: string, edit?: (o: KubeObject) => KubeObject) {
          calls.push({ file, objects: edit ? manifest(file).map(edit) : undefined });
          return [];
        },
        labelNamespace: async () => [],
        restartDeployments: async () => [],
        applyWithIstioctl: async () => [],
      },
    });
    await gateway.apply(context(HOST));
    await gateway.apply(context(null));
    assert.equal(calls[0]?.file, "bookinfo-gateway.yaml");
    assert.deepEqual(
      calls[0]?.objects?.map((o) => JSON.stringify(o.spec)).filter((spec) => spec.includes('"*"')),
      [],
    );
    assert.deepEqual(calls[1], { file: "bookinfo-gateway.yaml", objects: undefined });
  });

  test("done when the Gateway and the VirtualService bind exactly the namespace's host", () => {
    const check = gateway.check(applied(bound(HOST), { host: HOST }));
    assert.deepEqual(check, { state: "done", detail: "http://172.18.0.2:31380 via NodePort" });
  });

  test('a Gateway on "*" fails in a room: it takes other attendees\' requests; the fix binds the host', () => {
    for (const objects of [manifest("bookinfo-gateway.yaml"), istioGatewayFile("networking.istio.io/v1")]) {
      const check = gateway.check(applied(objects, { host: HOST }));
      assert.equal(check.state, "failed");
      assert.equal(
        check.detail,
        `Gateway bookinfo-gateway binds "*", which on the shared ingress gateway takes other namespaces' requests too; this namespace's host is ${HOST}`,
      );
      assert.equal(
        fixText(check.fix),
        `bind ${HOST}: sed 's/"\\*"/"${HOST}"/' samples/bookinfo/networking/bookinfo-gateway.yaml | kubectl -n bookinfo apply -f -`,
      );
    }
  });

  test("someone else's host, or a VirtualService that does not serve ours, fails and says which", () => {
    const other = gateway.check(applied(bound("attendee-2.bookinfo.local"), { host: HOST }));
    assert.equal(other.state, "failed");
    assert.match(other.detail, /binds "attendee-2\.bookinfo\.local", not this namespace's host attendee-1/);
    const [gw, vs] = bound(HOST) as [KubeObject, KubeObject];
    const vsElsewhere = { ...vs, spec: { ...(vs.spec as object), hosts: ["elsewhere.example"] } };
    const check = gateway.check(applied([gw, vsElsewhere], { host: HOST }));
    assert.equal(check.state, "failed");
    assert.match(
      check.detail,
      /VirtualService bookinfo serves "elsewhere\.example", not this namespace's host/,
    );
  });

  test("without a host of its own, a Gateway bound to one host is not reached through GATEWAY_URL", () => {
    const check = gateway.check(applied(bound(HOST)));
    assert.equal(check.state, "failed");
    assert.equal(
      check.detail,
      `Gateway bookinfo-gateway binds "${HOST}", so requests to GATEWAY_URL (Host 172.18.0.2) are not routed`,
    );
    assert.match(fixText(check.fix), new RegExp(`start again with --host ${HOST.replace(/\./g, "\\.")}$`));
    // A GATEWAY_URL that is that host reaches it.
    const byName = gateway.check(
      applied(bound(HOST), { gateway: { url: `http://${HOST}:80`, source: "flag" } }),
    );
    assert.equal(byName.state, "done");
  });

  test("the commands bind the host, and the page is requested with it", () => {
    const room = snapshot({ host: HOST, gateway: { url: "http://127.0.0.1:31380", source: "workshop" } });
    assert.equal(
      gateway.commands(room)[0],
      `sed 's/"\\*"/"${HOST}"/' samples/bookinfo/networking/bookinfo-gateway.yaml | kubectl -n bookinfo apply -f -`,
    );
    assert.deepEqual(gateway.commands(room).slice(1), [
      "export INGRESS_HOST=127.0.0.1",
      "export INGRESS_PORT=31380",
      "export GATEWAY_URL=$INGRESS_HOST:$INGRESS_PORT",
    ]);
    assert.deepEqual(verify.commands(room), [
      "export GATEWAY_URL=127.0.0.1:31380",
      `curl -s -H "Host: ${HOST}" "http://\${GATEWAY_URL}/productpage" | grep -o "<title>.*</title>"`,
    ]);
    assert.equal(
      verify.commands(snapshot({ gateway: nodePortGateway })).at(-1),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, not a template slot
      'curl -s "http://${GATEWAY_URL}/productpage" | grep -o "<title>.*</title>"',
    );
  });

  test("what cluster/ sends for an edited manifest is the edit", async () => {
    const sent: KubeObject[] = [];
    const cluster = {
      target: { context: "c" },
      resourceFor: async (_v: string, kind: string) => ({
        plural: `${kind.toLowerCase()}s`,
        namespaced: true,
      }),
      request: async (method: string, _p: string, options: { body: KubeObject }) => {
        // apply reads each object first, to leave alone what someone else made: none here.
        if (method === "GET") throw new ApiError(404, { reason: "NotFound" });
        sent.push(options.body);
        return options.body;
      },
      explain: (e: unknown) => e,
    };
    const lines = await applyManifest(cluster as never, "bookinfo-gateway.yaml", {
      namespace: "bookinfo",
      networkingVersion: "v1",
      edit: bindHost(HOST),
    });
    assert.deepEqual(lines, [
      "gateway.networking.istio.io/bookinfo-gateway serverside-applied",
      "virtualservice.networking.istio.io/bookinfo serverside-applied",
    ]);
    const [gw, vs] = sent as [KubeObject, KubeObject];
    assert.deepEqual((gw.spec as { servers: { hosts: string[] }[] }).servers[0]?.hosts, [HOST]);
    assert.deepEqual((vs.spec as { hosts: string[] }).hosts, [HOST]);
  });
});
