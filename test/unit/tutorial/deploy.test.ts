import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { deploy } from "../../../source/tutorial/stages/deploy.ts";
import {
  bookinfo,
  DEPLOYMENTS,
  deployment,
  fixText,
  type PodState,
  pod,
  recordingContext,
  snapshot,
} from "./fixtures.ts";

function withPod(name: string, state: PodState, sidecar = true) {
  return {
    deployments: DEPLOYMENTS.map((d) => deployment(d)),
    pods: DEPLOYMENTS.map((d) => (d === name ? pod(d, { state, sidecar }) : pod(d, { sidecar }))),
  };
}

describe("deploy check", () => {
  test("done when the six deployments exist and all their pods are Ready", () => {
    assert.deepEqual(deploy.check(snapshot(bookinfo())), { state: "done", detail: "6 of 6 pods Ready" });
  });

  test("Ready without a sidecar still counts (ambient, or not injected yet): that is inject's business", () => {
    assert.equal(deploy.check(snapshot(bookinfo({ sidecar: false }))).state, "done");
  });

  test("pending when nothing is deployed", () => {
    const check = deploy.check(snapshot());
    assert.equal(check.state, "pending");
    assert.equal(check.detail, "Bookinfo is not deployed in namespace bookinfo");
  });

  test("pending with progress while pods start", () => {
    const check = deploy.check(snapshot(withPod("reviews-v3", "creating")));
    assert.equal(check.state, "pending");
    assert.equal(check.detail, "5 of 6 pods Ready (1 ContainerCreating)");
  });

  test("a deployment whose pods are not there yet counts as not Ready", () => {
    const { deployments, pods } = bookinfo();
    const check = deploy.check(snapshot({ deployments, pods: pods.slice(0, 4) }));
    assert.equal(check.state, "pending");
    assert.match(check.detail, /^4 of 6 pods Ready/);
  });

  test("pending naming the missing deployments", () => {
    const { deployments, pods } = bookinfo();
    const check = deploy.check(
      snapshot({ deployments: deployments.filter((d) => !d.metadata.name?.startsWith("reviews-v")), pods }),
    );
    assert.equal(check.state, "pending");
    assert.equal(check.detail, "3 of 6 deployments exist; missing reviews-v1, reviews-v2 and reviews-v3");
  });

  test("during a rollout old and new pods must all be Ready", () => {
    const { deployments, pods } = bookinfo();
    const newPod = pod("details-v1", { suffix: "new01", state: "init" });
    const check = deploy.check(snapshot({ deployments, pods: [...pods, newPod] }));
    assert.equal(check.state, "pending");
    assert.match(
      check.detail,
      /^6 of 7 pods Ready \(1 Init:0\/1\); old and new together while a rollout replaces 1 pod \(6 wanted\)$/,
    );
  });

  test("all Ready mid-rollout says why there are more pods than Bookinfo has", () => {
    const { deployments, pods } = bookinfo();
    const fresh = ["details-v1", "ratings-v1"].map((d) => pod(d, { suffix: "new01" }));
    const check = deploy.check(snapshot({ deployments, pods: [...pods, ...fresh] }));
    assert.deepEqual(check, {
      state: "done",
      detail: "8 of 8 pods Ready; old and new together while a rollout replaces 2 pods (6 wanted)",
    });
  });

  test("a terminating pod does not hold the stage back", () => {
    const { deployments, pods } = bookinfo();
    const leaving = pod("details-v1", { suffix: "old01", state: "running-not-ready", deleting: true });
    assert.equal(deploy.check(snapshot({ deployments, pods: [...pods, leaving] })).state, "done");
  });

  for (const [state, status, fix] of [
    ["crashloop", "CrashLoopBackOff", /logs reviews-v2-7d9f8c6b5-x2k9q -c reviews --previous/],
    ["imagepull", "ImagePullBackOff", /describe pod reviews-v2-7d9f8c6b5-x2k9q/],
    ["errimagepull", "ErrImagePull", /cannot pull the image/],
    ["error", "Error", /logs reviews-v2-7d9f8c6b5-x2k9q -c reviews --previous/],
  ] as const) {
    test(`failed naming the pod on ${status}`, () => {
      const check = deploy.check(snapshot(withPod("reviews-v2", state)));
      assert.equal(check.state, "failed");
      assert.equal(check.detail, `reviews-v2-7d9f8c6b5-x2k9q is ${status}`);
      assert.match(fixText(check.fix), fix);
    });
  }

  test("a single-container pod gets no -c flag", () => {
    const check = deploy.check(snapshot(withPod("ratings-v1", "crashloop", false)));
    assert.equal(
      fixText(check.fix),
      "see why it exits: kubectl -n bookinfo logs ratings-v1-7d9f8c6b5-x2k9q --previous",
    );
  });

  test("several failing pods: the first by name, and how many more", () => {
    const deployments = DEPLOYMENTS.map((d) => deployment(d));
    const pods = DEPLOYMENTS.map((d) => pod(d, { state: d.startsWith("reviews") ? "imagepull" : "ready" }));
    const check = deploy.check(snapshot({ deployments, pods }));
    assert.equal(check.detail, "reviews-v1-7d9f8c6b5-x2k9q is ImagePullBackOff (and 2 more pods)");
  });

  test("pending when a deployment is scaled to 0", () => {
    const deployments = DEPLOYMENTS.map((d) => deployment(d, { replicas: d === "reviews-v2" ? 0 : 1 }));
    const pods = DEPLOYMENTS.filter((d) => d !== "reviews-v2").map((d) => pod(d));
    const check = deploy.check(snapshot({ deployments, pods }));
    assert.equal(check.state, "pending");
    assert.equal(check.detail, "reviews-v2 is scaled to 0");
  });
});

describe("deploy apply and commands", () => {
  const recorder = (inject?: "istioctl") => recordingContext(snapshot(), inject);

  test("applies bookinfo.yaml", async () => {
    const { calls, context } = recorder();
    await deploy.apply(context);
    assert.deepEqual(calls, [["applyManifest", "bookinfo.yaml"]]);
    assert.deepEqual(deploy.manifests, ["bookinfo.yaml"]);
  });

  test("goes through istioctl kube-inject when that is the chosen injection", async () => {
    const { calls, context } = recorder("istioctl");
    await deploy.apply(context);
    assert.deepEqual(calls, [["applyWithIstioctl", "bookinfo.yaml"]]);
  });

  test("the command uses the real namespace and Istio's sample path", () => {
    assert.equal(
      deploy.commands(snapshot())[0],
      "kubectl -n bookinfo apply -f samples/bookinfo/platform/kube/bookinfo.yaml",
    );
  });
});
