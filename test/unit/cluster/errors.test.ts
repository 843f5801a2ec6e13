import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ApiError } from "../../../source/cluster/connect.ts";
import { ClusterError, explain, networkCode } from "../../../source/cluster/errors.ts";

const attempt = {
  verb: "patch",
  resource: "namespaces",
  namespace: "bookinfo",
  context: "dev",
  server: "https://10.0.0.1:6443",
};

const status = (code: number, body: unknown) => new ApiError(code, body);

const systemError = (code: string, message = code) => Object.assign(new Error(message), { code });
const fetchFailed = (cause: unknown) => new TypeError("fetch failed", { cause });

describe("explain: API statuses", () => {
  test("401 says the credentials were refused", () => {
    const error = explain(status(401, { message: "Unauthorized" }), attempt);
    assert.equal(
      error.message,
      "the cluster at https://10.0.0.1:6443 refused the credentials of context dev (401 Unauthorized); log in again or refresh the token in your kubeconfig",
    );
    assert.equal(error.reason, "unauthorized");
  });

  test("403 names the verb, the resource and the namespace", () => {
    const error = explain(
      status(403, JSON.stringify({ reason: "Forbidden", message: "namespaces is forbidden" })),
      attempt,
    );
    assert.equal(
      error.message,
      'context dev is not allowed to patch namespaces in namespace "bookinfo" (403 Forbidden); ask your cluster admin for that permission or use another context',
    );
    assert.equal(error.status, 403);
  });

  test("403 without a namespace leaves the namespace out", () => {
    const error = explain({ code: 403, body: "" }, { verb: "list", resource: "pods", context: "dev" });
    assert.equal(
      error.message,
      "context dev is not allowed to list pods (403 Forbidden); ask your cluster admin for that permission or use another context",
    );
  });

  test("404 on networking.istio.io means Istio is not installed", () => {
    const error = explain(
      status(404, { reason: "NotFound", message: "the server could not find the requested resource" }),
      {
        ...attempt,
        verb: "list",
        resource: "virtualservices.networking.istio.io",
      },
    );
    assert.equal(
      error.message,
      "Istio is not installed on this cluster (networking.istio.io is not served); install it with istioctl install",
    );
    assert.equal(error.reason, "istio-missing");
  });

  test("a 404 for one missing Istio object is not 'Istio missing'", () => {
    const error = explain(
      status(404, {
        reason: "NotFound",
        details: { name: "reviews", group: "networking.istio.io", kind: "virtualservices" },
      }),
      { ...attempt, verb: "get", resource: "virtualservices.networking.istio.io", name: "reviews" },
    );
    assert.equal(error.reason, "not-found");
    assert.match(
      error.message,
      /^virtualservices.networking.istio.io "reviews" was not found in namespace "bookinfo"/,
    );
  });

  test("404 for a missing namespace says how to create it", () => {
    const error = explain(status(404, { details: { name: "bookinfo", kind: "namespaces" } }), {
      ...attempt,
      resource: "deployments.apps",
    });
    assert.equal(
      error.message,
      'namespace "bookinfo" does not exist (404 Not Found); create it with kubectl create namespace bookinfo or pick another with -n',
    );
  });

  test("409 and 422 carry the server's message", () => {
    const conflict = explain(
      status(409, { message: 'Operation cannot be fulfilled on deployments.apps "x"' }),
      {
        ...attempt,
        resource: "deployments.apps",
        name: "x",
      },
    );
    assert.match(
      conflict.message,
      /^cannot patch deployments.apps "x" in namespace "bookinfo": Operation cannot be fulfilled/,
    );
    assert.match(conflict.message, /\(409 Conflict\); run the command again$/);

    const invalid = explain(
      status(422, { message: 'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1' }),
      {
        ...attempt,
        resource: "deployments.apps",
        name: "x",
      },
    );
    assert.equal(
      invalid.message,
      'the cluster rejected deployments.apps "x" in namespace "bookinfo": Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1 (422 Unprocessable Entity); fix the manifest and try again',
    );
    assert.equal(invalid.reason, "invalid");
  });

  test("5xx says the API server failed, with its message", () => {
    const error = explain(status(503, { message: "etcdserver: request timed out" }), attempt);
    assert.equal(
      error.message,
      'the API server failed to patch namespaces in namespace "bookinfo" (503 Service Unavailable: etcdserver: request timed out); try again in a moment, or check the control plane (context dev)',
    );
    assert.equal(error.reason, "server");
  });

  test("a non-JSON error body keeps its first line", () => {
    const error = explain(status(502, "<html>Bad Gateway</html>\n<body>"), attempt);
    assert.match(error.message, /502 Bad Gateway: <html>Bad Gateway<\/html>\)/);
  });
});

describe("explain: network failures", () => {
  test("connection refused, through a cause chain", () => {
    const error = explain(
      fetchFailed(systemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:1")),
      attempt,
    );
    assert.equal(
      error.message,
      "cannot reach the cluster at https://10.0.0.1:6443: connection refused. Is it running? (context dev)",
    );
    assert.equal(error.reason, "unreachable");
  });

  test("connection refused on every address (AggregateError)", () => {
    const aggregate = new AggregateError(
      [systemError("ECONNREFUSED"), systemError("ECONNREFUSED")],
      "all failed",
    );
    assert.equal(networkCode(fetchFailed(aggregate)), "ECONNREFUSED");
    assert.match(explain(fetchFailed(aggregate), attempt).message, /connection refused/);
  });

  test("unknown host", () => {
    const error = explain(
      fetchFailed(systemError("ENOTFOUND", "getaddrinfo ENOTFOUND k8s.example")),
      attempt,
    );
    assert.match(
      error.message,
      /^cannot reach the cluster at https:\/\/10.0.0.1:6443: the host name does not resolve/,
    );
  });

  test("timeouts, ours and the socket's, name the budget", () => {
    const ours = explain(new DOMException("The operation was aborted due to timeout", "TimeoutError"), {
      ...attempt,
      timeoutMs: 5000,
    });
    assert.equal(
      ours.message,
      "cannot reach the cluster at https://10.0.0.1:6443: no answer within 5 s. Is it running, and does it need a VPN or proxy? (context dev)",
    );
    const socket = explain(systemError("ETIMEDOUT", "connect ETIMEDOUT 10.0.0.1:6443"), attempt);
    assert.match(socket.message, /no answer\. Is it running/);
  });

  test("an untrusted certificate points at the kubeconfig's CA", () => {
    const error = explain(fetchFailed(systemError("SELF_SIGNED_CERT_IN_CHAIN")), attempt);
    assert.equal(
      error.message,
      "cannot reach the cluster at https://10.0.0.1:6443: its TLS certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN). Check certificate-authority in your kubeconfig (context dev)",
    );
  });

  test("a reset connection", () => {
    assert.match(
      explain(fetchFailed(systemError("ECONNRESET")), attempt).message,
      /^lost the connection to the cluster/,
    );
  });

  test("anything else keeps the first line of its message", () => {
    const error = explain(new Error("exec plugin failed\nstack..."), {
      verb: "list",
      resource: "pods",
      context: "dev",
    });
    assert.equal(error.message, "cannot list pods: exec plugin failed (context dev)");
  });

  test("a ClusterError passes through unchanged", () => {
    const original = new ClusterError("already explained", "context");
    assert.equal(explain(original, attempt), original);
  });
});
