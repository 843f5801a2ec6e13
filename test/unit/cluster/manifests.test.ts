import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ClusterError } from "../../../source/cluster/errors.ts";
import {
  manifestPath,
  manifestsDir,
  objectRef,
  parseManifest,
  prepareForApply,
  readManifest,
} from "../../../source/cluster/manifests.ts";

describe("parseManifest", () => {
  test("every document, skipping empty ones and comments", () => {
    const objects = parseManifest(
      "---\n# only a comment\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: details\n---\n",
      "x.yaml",
    );
    assert.deepEqual(
      objects.map((o) => o.metadata.name),
      ["details"],
    );
  });

  test("bad YAML: one sentence with the file and the line", () => {
    const text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: details\n   labels: {}\n";
    assert.throws(
      () => parseManifest(text, "manifests/broken.yaml"),
      (error: unknown) => {
        assert.ok(error instanceof ClusterError);
        assert.equal(error.reason, "manifest");
        assert.match(
          error.message,
          /^manifests\/broken.yaml line 5 is not valid YAML: bad indentation of a mapping entry; fix the manifest$/,
        );
        return true;
      },
    );
  });

  test("a document without kind or name is named by its position", () => {
    assert.throws(
      () =>
        parseManifest(
          "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n",
          "f.yaml",
        ),
      /^ClusterError: f.yaml: document 2 has no kind; fix the manifest$/,
    );
    assert.throws(
      () => parseManifest("apiVersion: v1\nkind: Service\nmetadata: {}\n", "f.yaml"),
      /document 1 has no metadata.name/,
    );
    assert.throws(() => parseManifest("- a\n- b\n", "f.yaml"), /document 1 is not a mapping/);
  });
});

describe("prepareForApply", () => {
  const gateway = parseManifest(
    "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: bookinfo-gateway\n  labels: {app: bookinfo}\nspec: {}\n",
    "g.yaml",
  )[0];
  assert.ok(gateway);

  test("adds our label, keeps the object's own, and leaves the original alone", () => {
    const prepared = prepareForApply(gateway, "v1");
    assert.deepEqual(prepared.metadata.labels, {
      app: "bookinfo",
      "app.kubernetes.io/managed-by": "kubectl-bookinfo",
    });
    assert.deepEqual(gateway.metadata.labels, { app: "bookinfo" });
  });

  test("rewrites networking.istio.io to the served version, and nothing else", () => {
    assert.equal(prepareForApply(gateway, "v1alpha3").apiVersion, "networking.istio.io/v1alpha3");
    assert.equal(prepareForApply(gateway, null).apiVersion, "networking.istio.io/v1");
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" } };
    assert.equal(prepareForApply(deployment, "v1beta1").apiVersion, "apps/v1");
  });

  test("drops what the server owns (istioctl kube-inject output carries it)", () => {
    const injected = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "d", creationTimestamp: null as unknown as string },
      spec: {},
      status: {},
    };
    const prepared = prepareForApply(injected, null);
    assert.equal("status" in prepared, false);
    assert.equal("creationTimestamp" in prepared.metadata, false);
  });
});

test("objectRef names objects the way kubectl prints them", () => {
  assert.equal(
    objectRef({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "productpage-v1" } }),
    "deployment.apps/productpage-v1",
  );
  assert.equal(
    objectRef({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "bookinfo-details" } }),
    "serviceaccount/bookinfo-details",
  );
  assert.equal(
    objectRef({
      apiVersion: "networking.istio.io/v1",
      kind: "VirtualService",
      metadata: { name: "bookinfo" },
    }),
    "virtualservice.networking.istio.io/bookinfo",
  );
});

describe("the project's manifests", () => {
  test("are found from source/cluster/", () => {
    const dir = manifestsDir();
    assert.ok(existsSync(join(dir, "bookinfo.yaml")));
    assert.equal(manifestPath("bookinfo.yaml"), join(dir, "bookinfo.yaml"));
  });
  test("all parse, and bookinfo.yaml has 14 objects", () => {
    assert.equal(readManifest(manifestPath("bookinfo.yaml")).length, 14);
    for (const file of ["bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"])
      assert.ok(readManifest(manifestPath(file)).length > 0, file);
  });
  test("a missing manifest is one sentence", () => {
    assert.throws(
      () => readManifest(manifestPath("nope.yaml")),
      /^ClusterError: cannot read manifest .*nope.yaml \(ENOENT\)/,
    );
  });
});
