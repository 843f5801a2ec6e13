import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { openSandbox, type TestSandbox } from "@kubectl-bookinfo/sandbox/testing";
import { applyManifest, applyObjects, labelNamespace } from "../../source/cluster/apply.ts";
import { connect } from "../../source/cluster/connect.ts";
import { ClusterError } from "../../source/cluster/errors.ts";
import { resolveTarget } from "../../source/cluster/kubeconfig.ts";
import { loadSnapshot } from "../../source/cluster/snapshot.ts";
import {
  closedPort,
  clusterFor,
  freshNamespace,
  silentServer,
  VIEWER,
  variantKubeconfig,
} from "./helpers.ts";

// Each failure a user can run into, produced for real against the sandbox or a dead port, must
// come back as one ClusterError sentence, quickly.

let sandbox: TestSandbox;
before(async () => {
  sandbox = await openSandbox({ speed: 20 });
});
after(() => sandbox.close());

async function rejectsWith(
  promise: Promise<unknown>,
  message: string | RegExp,
  reason?: string,
): Promise<ClusterError> {
  let caught: unknown;
  await promise.catch((error) => {
    caught = error;
  });
  assert.ok(caught instanceof ClusterError, `expected a ClusterError, got ${caught}`);
  if (typeof message === "string") assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  assert.doesNotMatch(caught.message, /\n/);
  if (reason) assert.equal(caught.reason, reason);
  return caught;
}

describe("a context allowed only to read", () => {
  test("labelling the namespace names the permission it lacks", async () => {
    const cluster = clusterFor(sandbox, "bookinfo", VIEWER);
    try {
      await rejectsWith(
        labelNamespace(cluster, "bookinfo", { "istio-injection": "enabled" }),
        'context bookinfo-sandbox-viewer is not allowed to patch namespaces in namespace "bookinfo" (403 Forbidden); ask your cluster admin for that permission or use another context',
        "forbidden",
      );
    } finally {
      await cluster.close();
    }
  });

  test("applying a manifest names the first resource it may not write", async () => {
    const namespace = freshNamespace();
    const cluster = clusterFor(sandbox, namespace, VIEWER);
    try {
      await rejectsWith(
        applyManifest(cluster, "bookinfo.yaml", { namespace, networkingVersion: "v1" }),
        `context bookinfo-sandbox-viewer is not allowed to patch services in namespace "${namespace}" (403 Forbidden); ask your cluster admin for that permission or use another context`,
      );
    } finally {
      await cluster.close();
    }
  });

  test("reading still works", async () => {
    const cluster = clusterFor(sandbox, "default", VIEWER);
    try {
      const snapshot = await loadSnapshot(cluster);
      assert.equal(snapshot.istio.installed, true);
    } finally {
      await cluster.close();
    }
  });
});

describe("an unreachable cluster", () => {
  test("a closed port is 'connection refused' within 5 s", async () => {
    const port = await closedPort();
    const kubeconfig = variantKubeconfig(sandbox, "refused", (doc) => {
      for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
    });
    const cluster = connect(resolveTarget({ kubeconfig }, {}));
    const started = Date.now();
    await rejectsWith(
      cluster.probe(),
      `cannot reach the cluster at https://127.0.0.1:${port}: connection refused. Is it running? (context bookinfo-sandbox)`,
      "unreachable",
    );
    assert.ok(Date.now() - started < 5_000);
    await rejectsWith(loadSnapshot(cluster), /connection refused/);
    assert.ok(Date.now() - started < 5_000);
    await cluster.close();
  });

  test("a server that accepts and never answers times out within the probe's budget", async () => {
    const silent = await silentServer();
    const kubeconfig = variantKubeconfig(sandbox, "silent", (doc) => {
      for (const c of doc.clusters) c.cluster.server = `https://127.0.0.1:${silent.port}`;
    });
    const cluster = connect(resolveTarget({ kubeconfig }, {}));
    const started = Date.now();
    try {
      await rejectsWith(
        cluster.probe(1_000),
        `cannot reach the cluster at https://127.0.0.1:${silent.port}: no answer within 1 s. Is it running, and does it need a VPN or proxy? (context bookinfo-sandbox)`,
      );
      assert.ok(Date.now() - started < 3_000);
    } finally {
      await cluster.close();
      await silent.close();
    }
  });

  test("a certificate the kubeconfig does not trust", async () => {
    const kubeconfig = variantKubeconfig(sandbox, "no-ca", (doc) => {
      for (const c of doc.clusters) delete c.cluster["certificate-authority-data"];
    });
    const cluster = connect(resolveTarget({ kubeconfig }, {}));
    try {
      await rejectsWith(
        cluster.probe(),
        /^cannot reach the cluster at https:\/\/127.0.0.1:\d+: its TLS certificate is not trusted \([A-Z_]+\)\. Check certificate-authority/,
      );
    } finally {
      await cluster.close();
    }
  });
});

describe("answers from the API server", () => {
  test("401: a token the cluster does not know", async () => {
    const kubeconfig = variantKubeconfig(sandbox, "bad-token", (doc) => {
      for (const u of doc.users) u.user.token = "not-a-real-token";
    });
    const cluster = connect(resolveTarget({ kubeconfig, namespace: "default" }, {}));
    try {
      await rejectsWith(
        loadSnapshot(cluster),
        `the cluster at ${sandbox.sandbox.server} refused the credentials of context bookinfo-sandbox (401 Unauthorized); log in again or refresh the token in your kubeconfig`,
        "unauthorized",
      );
    } finally {
      await cluster.close();
    }
  });

  test("404 for an Istio API version the server does not serve reads 'Istio is not installed'", async () => {
    const namespace = freshNamespace();
    const cluster = clusterFor(sandbox, namespace);
    const gateway = {
      apiVersion: "networking.istio.io/v9",
      kind: "Gateway",
      metadata: { name: "g" },
      spec: {},
    };
    try {
      await rejectsWith(
        applyObjects(cluster, [gateway], { namespace, networkingVersion: null }),
        "Istio is not installed on this cluster (networking.istio.io is not served); install it with istioctl install",
        "istio-missing",
      );
    } finally {
      await cluster.close();
    }
  });

  test("404 for another API the cluster does not serve", async () => {
    const namespace = freshNamespace();
    const cluster = clusterFor(sandbox, namespace);
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: {} };
    try {
      await rejectsWith(
        applyObjects(cluster, [job], { namespace, networkingVersion: null }),
        /^the cluster does not serve jobs.batch \(404 Not Found\); check that the API group is installed/,
        "not-found",
      );
    } finally {
      await cluster.close();
    }
  });

  test("422 carries the server's validation message", async () => {
    const namespace = freshNamespace();
    const cluster = clusterFor(sandbox, namespace);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bad" },
      spec: {
        replicas: -1,
        selector: { matchLabels: { app: "bad" } },
        template: {
          metadata: { labels: { app: "bad" } },
          spec: { containers: [{ name: "c", image: "busybox" }] },
        },
      },
    };
    try {
      await labelNamespace(cluster, namespace, {});
      await rejectsWith(
        applyObjects(cluster, [deployment], { namespace, networkingVersion: null }),
        new RegExp(
          `^the cluster rejected deployments.apps "bad" in namespace "${namespace}": .*replicas.* \\(422 Unprocessable Entity\\); fix the manifest and try again$`,
        ),
        "invalid",
      );
    } finally {
      await cluster.close();
    }
  });
});
