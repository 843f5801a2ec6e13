import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api } from "../../testing/api.ts";
import { openSandbox, type TestSandbox, until } from "../../testing/sandbox.ts";

// CustomResourceDefinitions as API extensions, over HTTPS as any client sees them.

let env: TestSandbox;
before(async () => {
  env = await openSandbox();
});
after(async () => env.close());

const CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
const json = "application/json";

function widgetCrd(overrides: Record<string, unknown> = {}) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: "widgets.example.com" },
    spec: {
      group: "example.com",
      names: { plural: "widgets", kind: "Widget", shortNames: ["wd"], categories: ["toys"] },
      scope: "Namespaced",
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                spec: {
                  type: "object",
                  required: ["size"],
                  properties: {
                    size: { type: "integer", minimum: 1 },
                    color: { type: "string", default: "blue", enum: ["blue", "red"] },
                    replicas: { type: "integer" },
                  },
                },
                status: {
                  type: "object",
                  properties: { replicas: { type: "integer" }, selector: { type: "string" } },
                },
              },
            },
          },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.selector",
            },
          },
          additionalPrinterColumns: [
            { name: "Size", type: "integer", jsonPath: ".spec.size" },
            { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
          ],
        },
        {
          name: "v1beta1",
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
      ...overrides,
    },
  };
}

const post = (path: string, body: unknown) =>
  api(env.sandbox, "POST", path, { body: JSON.stringify(body), contentType: json });
const established = (name: string) =>
  until(env.sandbox, () => {
    const crd = env.sandbox.store.get("customresourcedefinitions.apiextensions.k8s.io", undefined, name);
    const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions;
    return conditions?.some((c) => c.type === "Established" && c.status === "True");
  });

describe("a user's CRD", () => {
  test("is created with the API server's defaults and a status the server owns", async () => {
    const body = widgetCrd();
    (body as { status?: unknown }).status = { acceptedNames: { plural: "gadgets", kind: "Gadget" } };
    const created = await post(CRDS, body);
    assert.equal(created.status, 201, created.text);
    const crd = created.json();
    assert.equal(crd.spec.names.singular, "widget");
    assert.equal(crd.spec.names.listKind, "WidgetList");
    assert.deepEqual(crd.spec.conversion, { strategy: "None" });
    assert.deepEqual(crd.status, { acceptedNames: { plural: "", kind: "" }, storedVersions: ["v1"] });
    await established("widgets.example.com");
  });

  test("serves its group in legacy and aggregated discovery", async () => {
    const group = (await api(env.sandbox, "GET", "/apis/example.com")).json();
    assert.deepEqual(
      group.versions.map((v: { version: string }) => v.version),
      ["v1", "v1beta1"],
    );
    assert.equal(group.preferredVersion.version, "v1");
    const list = (await api(env.sandbox, "GET", "/apis/example.com/v1")).json();
    const names = list.resources.map((r: { name: string }) => r.name);
    assert.deepEqual(names, ["widgets", "widgets/status", "widgets/scale"]);
    const main = list.resources[0];
    assert.deepEqual(
      [main.kind, main.singularName, main.namespaced, main.shortNames, main.categories],
      ["Widget", "widget", true, ["wd"], ["toys"]],
    );
    // v1beta1 declares no subresources.
    const beta = (await api(env.sandbox, "GET", "/apis/example.com/v1beta1")).json();
    assert.deepEqual(
      beta.resources.map((r: { name: string }) => r.name),
      ["widgets"],
    );

    const aggregated = await api(env.sandbox, "GET", "/apis", {
      accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json",
    });
    assert.equal(
      aggregated.headers["content-type"],
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList",
    );
    const item = aggregated
      .json()
      .items.find((i: { metadata: { name: string } }) => i.metadata.name === "example.com");
    assert.ok(item);
    const widgets = item.versions[0].resources[0];
    assert.equal(item.versions[0].version, "v1");
    assert.deepEqual(widgets.responseKind, { group: "example.com", version: "v1", kind: "Widget" });
    assert.equal(widgets.scope, "Namespaced");
    assert.deepEqual(
      widgets.subresources.map((s: { subresource: string; responseKind: { kind: string } }) => [
        s.subresource,
        s.responseKind.kind,
      ]),
      [
        ["status", "Widget"],
        ["scale", "Scale"],
      ],
    );
  });

  test("publishes its schema in OpenAPI v3 under the reversed group", async () => {
    const root = (await api(env.sandbox, "GET", "/openapi/v3")).json();
    const url = root.paths["apis/example.com/v1"]?.serverRelativeURL;
    assert.match(url, /^\/openapi\/v3\/apis\/example\.com\/v1\?hash=[0-9A-F]{64}$/);
    const doc = (await api(env.sandbox, "GET", url)).json();
    const schema = doc.components.schemas["com.example.v1.Widget"];
    assert.deepEqual(schema["x-kubernetes-group-version-kind"], [
      { group: "example.com", kind: "Widget", version: "v1" },
    ]);
    assert.deepEqual(schema.properties.spec.required, ["size"]);
    assert.ok(doc.components.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]);
    assert.ok(doc.components.schemas["com.example.v1.WidgetList"]);
  });

  test("its objects are defaulted, validated, and have status only through the subresource", async () => {
    const path = "/apis/example.com/v1/namespaces/default/widgets";
    const bad = await post(path, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 0, color: "green" },
    });
    assert.equal(bad.status, 422);
    assert.equal(
      bad.json().message,
      'Widget.example.com "w" is invalid: [spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1, spec.color: Unsupported value: "green": supported values: "blue", "red"]',
    );
    const created = await post(path, {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w" },
      spec: { size: 3, replicas: 2 },
      status: { replicas: 7 },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.json().spec, { size: 3, replicas: 2, color: "blue" });
    assert.equal(created.json().status, undefined);
    const status = await api(env.sandbox, "PATCH", `${path}/w/status`, {
      body: JSON.stringify({ status: { replicas: 2, selector: "app=w" } }),
      contentType: "application/merge-patch+json",
    });
    assert.equal(status.status, 200, status.text);
    assert.deepEqual(status.json().status, { replicas: 2, selector: "app=w" });
    // The same object, in the other served version.
    const beta = (
      await api(env.sandbox, "GET", "/apis/example.com/v1beta1/namespaces/default/widgets/w")
    ).json();
    assert.equal(beta.apiVersion, "example.com/v1beta1");
    assert.equal(beta.spec.size, 3);
  });

  test("its scale subresource reads and writes the declared paths", async () => {
    const scalePath = "/apis/example.com/v1/namespaces/default/widgets/w/scale";
    const scale = (await api(env.sandbox, "GET", scalePath)).json();
    assert.deepEqual(
      [scale.kind, scale.apiVersion, scale.spec, scale.status],
      ["Scale", "autoscaling/v1", { replicas: 2 }, { replicas: 2, selector: "app=w" }],
    );
    const patched = await api(env.sandbox, "PATCH", scalePath, {
      body: JSON.stringify({ spec: { replicas: 5 } }),
      contentType: "application/merge-patch+json",
    });
    assert.equal(patched.status, 200, patched.text);
    const widget = (
      await api(env.sandbox, "GET", "/apis/example.com/v1/namespaces/default/widgets/w")
    ).json();
    assert.equal(widget.spec.replicas, 5);
  });

  test("its Table has the declared columns", async () => {
    const table = (
      await api(env.sandbox, "GET", "/apis/example.com/v1/namespaces/default/widgets", {
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
      })
    ).json();
    assert.deepEqual(
      table.columnDefinitions.map((c: { name: string; priority: number }) => [c.name, c.priority]),
      [
        ["Name", 0],
        ["Size", 0],
        ["Color", 1],
      ],
    );
    assert.deepEqual(table.rows[0].cells, ["w", 3, "blue"]);
  });

  test("another CRD of the group cannot take its kind: NamesAccepted False, not served", async () => {
    const clash = widgetCrd({ names: { plural: "thingies", kind: "Widget" } });
    clash.metadata.name = "thingies.example.com";
    const created = await post(CRDS, clash);
    assert.equal(created.status, 201, created.text);
    const crd = await until(env.sandbox, () => {
      const found = env.sandbox.store.get(
        "customresourcedefinitions.apiextensions.k8s.io",
        undefined,
        "thingies.example.com",
      );
      const conditions = (found?.status as { conditions?: unknown[] } | undefined)?.conditions;
      return conditions?.length ? found : undefined;
    });
    const conditions = (
      crd.status as { conditions: { type: string; status: string; reason: string; message: string }[] }
    ).conditions;
    assert.deepEqual(
      conditions.map((c) => [c.type, c.status, c.reason, c.message]),
      [
        // Kind and listKind both clash; like the naming controller, the last check found wins.
        ["NamesAccepted", "False", "ListKindConflict", '"WidgetList" is already in use'],
        ["Established", "False", "NotAccepted", "not all names are accepted"],
      ],
    );
    const thingies = await api(env.sandbox, "GET", "/apis/example.com/v1/namespaces/default/thingies");
    assert.equal(thingies.status, 404);
  });

  test("CRDs that apiextensions refuses are refused in its words", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        {},
        "misnamed.example.com",
        /metadata\.name: Invalid value: "misnamed\.example\.com": must be spec\.names\.plural\+"\."\+spec\.group/,
      ],
      [
        {
          versions: [
            { name: "v1", served: true, storage: false, schema: { openAPIV3Schema: { type: "object" } } },
          ],
        },
        "widgets.example.com",
        /spec\.versions: Invalid value: .*: must have exactly one version marked as storage version/,
      ],
      [
        { versions: [{ name: "v1", served: true, storage: true }] },
        "widgets.example.com",
        /spec\.versions\[0\]\.schema\.openAPIV3Schema: Required value: schemas are required/,
      ],
      [
        { group: "example.k8s.io" },
        "widgets.example.k8s.io",
        /metadata\.annotations\[api-approved\.kubernetes\.io\]: Required value: protected groups must have approval annotation "api-approved\.kubernetes\.io"/,
      ],
    ];
    for (const [overrides, name, message] of cases) {
      const body = widgetCrd(overrides);
      body.metadata.name = name;
      const result = await post(CRDS, body);
      assert.equal(result.status, 422, `${name}: ${result.text}`);
      assert.match(result.json().message, message);
    }
    const scope = await api(env.sandbox, "PATCH", `${CRDS}/widgets.example.com`, {
      body: JSON.stringify({ spec: { scope: "Cluster" } }),
      contentType: "application/merge-patch+json",
    });
    assert.equal(scope.status, 422);
    assert.match(scope.json().message, /spec\.scope: Invalid value: "Cluster": field is immutable/);
  });

  test("a namespace that goes takes the custom resources in it along", async () => {
    const ns = await post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "toys" },
    });
    assert.equal(ns.status, 201, ns.text);
    const created = await post("/apis/example.com/v1/namespaces/toys/widgets", {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "teddy" },
      spec: { size: 1 },
    });
    assert.equal(created.status, 201, created.text);
    await api(env.sandbox, "DELETE", "/api/v1/namespaces/toys");
    await until(env.sandbox, () => !env.sandbox.store.get("namespaces", undefined, "toys"));
    assert.equal(env.sandbox.store.get("widgets.example.com", "toys", "teddy"), undefined);
  });

  test("deleted, it stops being served, its objects go, and the CRD it blocked gets its names", async () => {
    const deleted = await api(env.sandbox, "DELETE", `${CRDS}/widgets.example.com`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.equal(
      (await api(env.sandbox, "GET", "/apis/example.com/v1/namespaces/default/widgets")).status,
      404,
    );
    await until(env.sandbox, () => [...env.sandbox.store.peek("widgets.example.com")].length === 0);
    await established("thingies.example.com");
    const list = (await api(env.sandbox, "GET", "/apis/example.com/v1")).json();
    assert.equal(list.resources[0].name, "thingies");
    assert.equal(list.resources[0].kind, "Widget");
  });
});
