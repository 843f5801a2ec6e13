import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { findResource } from "../../src/api/resources.ts";
import type { Pod } from "../../src/kube.ts";
import { curl, deployBookinfo, manifest, type Tutorial } from "../../testing/tutorial.ts";

// `kubectl logs` with the real kubectl: what the Bookinfo containers print, the access lines
// each sidecar and the gateway write per request, and the options people use.

let t: Tutorial;

before(async () => {
  t = await deployBookinfo("logs-kubectl", true);
  await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
  await t.env.sandbox.dataPlane.settled();
});
after(async () => t?.close());

const podOf = (app: string) =>
  ([...t.env.sandbox.store.peek("pods", t.ns)] as Pod[]).find((p) => p.metadata.labels?.app === app)!.metadata
    .name!;
const logs = (...args: string[]) => t.ok("-n", t.ns, "logs", ...args);

// Istio's default TEXT access log format, field by field.
const ACCESS_LINE = new RegExp(
  [
    /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\]/, // [%START_TIME%]
    / "(?<method>[A-Z]+) (?<path>\S+) HTTP\/1\.1"/, // "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
    / (?<code>\d{1,3}) (?<flags>\S+) (?<details>\S+) -/, // %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
    / "-" \d+ \d+ \d+ (?:\d+|-)/, // "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%
    / "(?<xff>[^"]*)" "(?<ua>[^"]*)" "(?<id>[^"]*)" "(?<authority>[^"]*)" "(?<upstream>[^"]*)"/,
    / (?<cluster>\S+) \S+ (?<local>\S+) (?<remote>\S+) (?<sni>\S+) (?<route>\S+)$/,
  ]
    .map((r) => r.source)
    .join(""),
);

function accessLines(text: string) {
  return text
    .trim()
    .split("\n")
    .map((line) => ACCESS_LINE.exec(line)?.groups)
    .filter((g): g is Record<string, string> => g !== undefined);
}

describe("kubectl logs", () => {
  test("every proxy on the way writes one access line per request, with the same request id", async () => {
    const page = await curl(
      "-s",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-A",
      "logs-test/1",
      `${t.gatewayUrl}/productpage`,
    );
    assert.equal(page.stdout, "200");
    const gateway = accessLines(await t.ok("-n", "istio-system", "logs", "deploy/istio-ingressgateway"));
    const entry = gateway.find((g) => g.ua === "logs-test/1");
    assert.ok(entry, "the gateway logged the request");
    assert.equal(entry.path, "/productpage");
    assert.equal(entry.code, "200");
    assert.equal(entry.details, "via_upstream");
    assert.equal(entry.cluster, `outbound|9080||productpage.${t.ns}.svc.cluster.local`);
    const id = entry.id!;
    assert.match(id, /^[0-9a-f-]{36}$/);

    const productpage = accessLines(await logs(podOf("productpage"), "-c", "istio-proxy"));
    const inbound = productpage.find((g) => g.id === id && g.path === "/productpage");
    assert.ok(inbound, "productpage's sidecar logged it inbound");
    assert.equal(inbound.cluster, "inbound|9080||");
    assert.equal(inbound.sni, `outbound_.9080_._.productpage.${t.ns}.svc.cluster.local`);
    // ...and its calls to details and reviews outbound, carrying the same id.
    const calls = productpage.filter((g) => g.id === id && g.path !== "/productpage");
    assert.deepEqual(calls.map((g) => g.path).sort(), ["/details/0", "/reviews/0"]);
    const toDetails = calls.find((g) => g.path === "/details/0")!;
    assert.equal(toDetails.cluster, `outbound|9080||details.${t.ns}.svc.cluster.local`);
    assert.equal(toDetails.authority, "details:9080");
    assert.equal(toDetails.route, "default");

    const details = accessLines(await logs(podOf("details"), "-c", "istio-proxy"));
    assert.ok(details.some((g) => g.id === id && g.cluster === "inbound|9080||"));
  });

  test("the app containers print what their images print", async () => {
    assert.match(
      await logs(podOf("productpage"), "-c", "productpage"),
      /\[INFO\] Listening at: http:\/\/\[::\]:9080 \(1\)/,
    );
    assert.match(
      await logs(podOf("productpage"), "-c", "productpage"),
      /DEBUG:urllib3\.connectionpool:http:\/\/details:9080 "GET \/details\/0 HTTP\/1\.1" 200 178/,
    );
    assert.match(
      await logs(podOf("details"), "-c", "details"),
      /INFO {2}WEBrick::HTTPServer#start: pid=1 port=9080/,
    );
    assert.match(
      await logs(podOf("details"), "-c", "details"),
      /::ffff:127\.0\.0\.6 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d UTC\] "GET \/details\/0 HTTP\/1\.1" 200 178/,
    );
    assert.match(
      await logs(podOf("ratings"), "-c", "ratings"),
      /^Server listening on: http:\/\/0\.0\.0\.0:9080$/m,
    );
    assert.match(
      await logs("deploy/reviews-v2", "-c", "reviews"),
      /CWWKF0011I: The defaultServer server is ready to run a smarter planet/,
    );
    assert.match(await logs(podOf("ratings"), "-c", "istio-proxy"), /\tinfo\tEnvoy proxy is ready$/m);
    // The init container's log stays readable after it completed.
    assert.match(
      await logs(podOf("ratings"), "-c", "istio-init"),
      /^-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001$/m,
    );
  });

  test("--tail, --timestamps, -l", async () => {
    const tail = await logs(podOf("details"), "-c", "details", "--tail=2");
    assert.equal(tail.split("\n").length, 3);
    const stamped = await logs(podOf("ratings"), "-c", "ratings", "--timestamps");
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z Server listening on/);
    const selected = await logs("-l", "app=reviews", "-c", "reviews", "--tail=1");
    assert.equal(selected.trim().split("\n").length, 3, selected);
  });

  test("-f streams lines as requests happen", async () => {
    const follow = t.kubectl.stream(
      "-n",
      t.ns,
      "logs",
      "-f",
      podOf("ratings"),
      "-c",
      "istio-proxy",
      "--tail=0",
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.doesNotMatch(follow.output(), /logs-follow/);
    await curl("-s", "-o", "/dev/null", "-A", "logs-follow", `${t.gatewayUrl}/productpage`);
    await curl("-s", "-o", "/dev/null", "-A", "logs-follow", `${t.gatewayUrl}/productpage`);
    const deadline = Date.now() + 10_000;
    // reviews v2 and v3 call ratings; v1 does not, so two page loads may take a few tries.
    while (!/logs-follow/.test(follow.output()) && Date.now() < deadline) {
      await curl("-s", "-o", "/dev/null", "-A", "logs-follow", `${t.gatewayUrl}/productpage`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { stdout } = await follow.stop();
    assert.match(stdout, /"GET \/ratings\/0 HTTP\/1\.1" 200 .*"logs-follow"/);
  });

  test("--previous without a restart, and a container still waiting, fail in kubelet's words", async () => {
    const previous = await t.kubectl("-n", t.ns, "logs", podOf("details"), "-c", "details", "--previous");
    assert.equal(previous.code, 1);
    assert.match(
      previous.stderr,
      new RegExp(
        `Error from server \\(BadRequest\\): previous terminated container "details" in pod "${podOf("details")}" not found`,
      ),
    );
    // A pod bound to another node keeps whatever status is written for it.
    await t.ok(
      "-n",
      t.ns,
      "run",
      "waiting",
      "--image=busybox",
      '--overrides={"spec":{"nodeName":"elsewhere"}}',
    );
    const pods = t.env.sandbox.objects;
    const resource = findResource("", "v1", "pods")!;
    const pod = pods.get(resource, t.ns, "waiting") as Pod;
    pods.update(
      resource,
      t.ns,
      "waiting",
      {
        ...pod,
        status: {
          phase: "Pending",
          containerStatuses: [
            {
              name: "waiting",
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: "ContainerCreating" } },
            },
          ],
        },
      },
      { manager: "test", subresource: "status" },
    );
    const waiting = await t.kubectl("-n", t.ns, "logs", "waiting");
    assert.match(
      waiting.stderr,
      /Error from server \(BadRequest\): container "waiting" in pod "waiting" is waiting to start: ContainerCreating/,
    );
  });

  test("the mesh config decides: JSON lines with accessLogEncoding JSON, none without accessLogFile", async () => {
    const configMap = JSON.parse(
      await t.ok("-n", "istio-system", "get", "configmap", "istio", "-o", "json"),
    ) as {
      data: { mesh: string };
    };
    const original = configMap.data.mesh;
    const setMesh = (mesh: string) =>
      t.ok(
        "-n",
        "istio-system",
        "patch",
        "configmap",
        "istio",
        "--type=merge",
        "-p",
        JSON.stringify({ data: { mesh } }),
      );
    try {
      await setMesh(`${original}\naccessLogEncoding: JSON`);
      await curl("-s", "-o", "/dev/null", "-A", "logs-json", `${t.gatewayUrl}/productpage`);
      const json = (await logs(podOf("productpage"), "-c", "istio-proxy", "--tail=20"))
        .split("\n")
        .filter((l) => l.includes('"logs-json"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const entry = json.find((e) => e.path === "/productpage");
      assert.ok(entry, "a JSON line for the request");
      assert.equal(entry.response_code, 200);
      assert.equal(entry.upstream_cluster, "inbound|9080||");
      assert.equal(entry.response_flags, null);

      await setMesh(original.replace(/^accessLogFile:.*$/m, ""));
      await curl("-s", "-o", "/dev/null", "-A", "logs-off", `${t.gatewayUrl}/productpage`);
      assert.doesNotMatch(await logs(podOf("productpage"), "-c", "istio-proxy"), /logs-off/);
    } finally {
      await setMesh(original);
    }
  });
});
