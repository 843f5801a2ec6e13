import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { kubectlFor, versionedKubectl } from "../../testing/kubectl.ts";
import { curl, deployBookinfo, manifest, type Tutorial } from "../../testing/tutorial.ts";

// `kubectl port-forward` as workshop users type it, with the real kubectl: 1.31 and later try
// SPDY inside WebSocket first, 1.29 and 1.30 go straight to the SPDY upgrade. Local ports are
// left to kubectl (":9080") so runs never collide.

let t: Tutorial;

before(async () => {
  t = await deployBookinfo("pf-kubectl", true);
  await t.ok("-n", t.ns, "apply", "-f", manifest("bookinfo-gateway.yaml"));
  await t.env.sandbox.dataPlane.settled();
});
after(async () => t?.close());

type Forward = ReturnType<Tutorial["kubectl"]["stream"]> & { port: number };

/** Starts `kubectl port-forward` and waits for the local port it printed. */
async function forward(kubectl: Tutorial["kubectl"], ...args: string[]): Promise<Forward> {
  const process = kubectl.stream("port-forward", ...args);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const match = /Forwarding from 127\.0\.0\.1:(\d+) ->/.exec(process.output());
    if (match) return { ...process, port: Number(match[1]) };
    if (Date.now() > deadline) {
      await process.stop();
      assert.fail(`kubectl port-forward printed no port: ${process.output()} ${process.errors()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function title(port: number, path = "/productpage"): Promise<string> {
  const page = await curl("-sS", "-w", "\n%{http_code}", `http://127.0.0.1:${port}${path}`);
  assert.equal(page.code, 0, page.stderr);
  assert.match(page.stdout, /\n200$/);
  return /<title>(.*)<\/title>/.exec(page.stdout)?.[1] ?? "";
}

describe("kubectl port-forward (the default kubectl)", () => {
  test("svc/productpage: curl gets the page, several times over one forward", async () => {
    const pf = await forward(t.kubectl, "-n", t.ns, "svc/productpage", ":9080");
    try {
      assert.equal(await title(pf.port), "Simple Bookstore App");
      // One curl, three requests on one keep-alive connection, then a second connection.
      const many = await curl(
        "-sS",
        "-w",
        "%{http_code} ",
        ...Array.from({ length: 3 }, () => [
          "-o",
          "/dev/null",
          `http://127.0.0.1:${pf.port}/productpage`,
        ]).flat(),
      );
      assert.equal(many.stdout.trim(), "200 200 200");
      assert.equal(await title(pf.port), "Simple Bookstore App");
      assert.match(pf.output(), /Handling connection for \d+/);
    } finally {
      const stopped = await pf.stop();
      assert.doesNotMatch(stopped.stderr, /error|Unhandled/i, stopped.stderr);
    }
  });

  test("svc/istio-ingressgateway :80 reaches the gateway's 8080, routed by the Gateway", async () => {
    const pf = await forward(t.kubectl, "-n", "istio-system", "svc/istio-ingressgateway", ":80");
    try {
      assert.match(pf.output(), /-> 8080/);
      assert.equal(await title(pf.port), "Simple Bookstore App");
      const unrouted = await curl(
        "-s",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        `http://127.0.0.1:${pf.port}/nope`,
      );
      assert.equal(unrouted.stdout, "404");
    } finally {
      await pf.stop();
    }
  });

  test("deploy/NAME and pod/NAME forward to that workload's pod", async () => {
    const deploy = await forward(t.kubectl, "-n", t.ns, "deploy/details-v1", ":9080");
    try {
      const details = await curl("-sS", `http://127.0.0.1:${deploy.port}/details/0`);
      assert.match(details.stdout, /"author":"William Shakespeare"/);
    } finally {
      await deploy.stop();
    }
    const pod = [...t.env.sandbox.store.peek("pods", t.ns)].find(
      (p) => p.metadata.labels?.app === "ratings",
    )!;
    const direct = await forward(t.kubectl, "-n", t.ns, `pod/${pod.metadata.name}`, ":9080");
    try {
      const ratings = await curl("-sS", `http://127.0.0.1:${direct.port}/ratings/0`);
      assert.match(ratings.stdout, /"ratings":\{"Reviewer1":5,"Reviewer2":4\}/);
    } finally {
      await direct.stop();
    }
  });

  test("a port nothing listens on: kubectl reports kubelet's error and gives up, as on a cluster", async () => {
    const pf = await forward(t.kubectl, "-n", t.ns, "deploy/details-v1", ":7777");
    const attempt = await curl("-sS", "-m", "5", `http://127.0.0.1:${pf.port}/`);
    assert.notEqual(attempt.code, 0);
    const code = await pf.exited;
    assert.equal(code, 1);
    assert.match(pf.errors(), /an error occurred forwarding \d+ -> 7777: error forwarding port 7777 to pod/);
    assert.match(pf.errors(), /connect: connection refused/);
    assert.match(pf.errors(), /error: lost connection to pod/);
  });
});

// kubectl 1.29 and 1.30 speak only the SPDY upgrade; 1.33 is newer than the dispatcher's own.
for (const minor of [29, 30, 33]) {
  const binary = versionedKubectl(minor);
  test(`kubectl 1.${minor} port-forward svc/productpage serves the page`, { skip: !binary }, async () => {
    const kubectl = kubectlFor(t.env.kubeconfig, undefined, binary);
    const pf = await forward(kubectl, "-n", t.ns, "svc/productpage", ":9080", "-v=6");
    try {
      assert.equal(await title(pf.port), "Simple Bookstore App");
      assert.equal(await title(pf.port), "Simple Bookstore App");
      const tunnelled = /negotiated protocol: portforward\.k8s\.io/.test(pf.errors());
      assert.equal(tunnelled, minor >= 31, `SPDY over WebSocket only from 1.31 on: ${pf.errors()}`);
    } finally {
      await pf.stop();
    }
  });
}
