// Specs of telemetry.istio.io's Telemetry and extensions.istio.io's WasmPlugin.

import { arr, bool, double, enumOf, int32, map, obj, preserved, str } from "../../schema/build.ts";
import type { JSONSchemaProps } from "../../schema/types.ts";
import { matchLabelsSelector, policyTargets } from "./common.ts";

const providers = arr(
  "The providers (by their mesh config names) that get the data.",
  obj(undefined, { name: str() }),
);
const workloadMode = obj("Which traffic of the workload: client, server or both.", {
  mode: enumOf(undefined, ["CLIENT_AND_SERVER", "CLIENT", "SERVER"]),
});

export const telemetrySpec: JSONSchemaProps = obj("Tracing, metrics and access logging for workloads.", {
  accessLogging: arr(
    "Access logging.",
    obj(undefined, {
      disabled: bool("Turn access logs off.", { nullable: true }),
      filter: obj("Which requests are logged.", {
        expression: str("A CEL expression over request attributes."),
      }),
      match: workloadMode,
      providers,
    }),
  ),
  metrics: arr(
    "Metrics.",
    obj(undefined, {
      overrides: arr(
        "Changes to metrics.",
        obj(undefined, {
          disabled: bool(undefined, { nullable: true }),
          match: preserved("Which metric and traffic."),
          tagOverrides: map(
            "Tags added, changed or removed.",
            obj(undefined, { operation: enumOf(undefined, ["UPSERT", "REMOVE"]), value: str() }),
          ),
        }),
      ),
      providers,
      reportingInterval: str("How often TCP metrics are reported."),
    }),
  ),
  selector: matchLabelsSelector(),
  tracing: arr(
    "Tracing.",
    obj(undefined, {
      customTags: map("Tags added to spans.", preserved()),
      disableSpanReporting: bool(undefined, { nullable: true }),
      enableIstioTags: bool(undefined, { nullable: true }),
      match: workloadMode,
      providers,
      randomSamplingPercentage: double("Share of requests traced.", { nullable: true }),
      useRequestIdForTraceSampling: bool(undefined, { nullable: true }),
    }),
  ),
  ...policyTargets,
});

export const wasmPluginSpec: JSONSchemaProps = obj(
  "A WebAssembly filter added to the Istio proxies of some workloads.",
  {
    failStrategy: enumOf("What the proxy does when the plugin fails fatally.", [
      "FAIL_CLOSE",
      "FAIL_OPEN",
      "FAIL_RELOAD",
    ]),
    imagePullPolicy: enumOf("When the module is fetched again.", [
      "UNSPECIFIED_POLICY",
      "IfNotPresent",
      "Always",
    ]),
    imagePullSecret: str("Credentials for pulling an OCI image.", { maxLength: 253, minLength: 1 }),
    match: arr(
      "Which traffic passes through the plugin.",
      obj(undefined, {
        mode: enumOf(undefined, ["UNDEFINED", "CLIENT", "SERVER", "CLIENT_AND_SERVER"]),
        ports: arr(
          undefined,
          obj(
            undefined,
            { number: { type: "integer", maximum: 65535, minimum: 1 } },
            { required: ["number"] },
          ),
          { "x-kubernetes-list-map-keys": ["number"], "x-kubernetes-list-type": "map" },
        ),
      }),
    ),
    phase: enumOf("Where in the filter chain the plugin goes.", [
      "UNSPECIFIED_PHASE",
      "AUTHN",
      "AUTHZ",
      "STATS",
    ]),
    pluginConfig: preserved("Configuration passed to the plugin."),
    pluginName: str("The plugin's name in the Envoy configuration.", { maxLength: 256, minLength: 1 }),
    priority: int32("Order among plugins in the same phase.", { nullable: true }),
    selector: matchLabelsSelector(),
    sha256: str("Checksum of the module.", { pattern: "(^$|^[a-f0-9]{64}$)" }),
    type: enumOf("HTTP or network filter.", ["UNSPECIFIED_PLUGIN_TYPE", "HTTP", "NETWORK"]),
    url: str("Where the module comes from: oci://, https:// or file://.", { minLength: 1 }),
    verificationKey: str(),
    vmConfig: obj("The Wasm VM's settings.", {
      env: arr(
        "Environment variables of the VM.",
        obj(
          undefined,
          {
            name: str(undefined, { maxLength: 256, minLength: 1 }),
            value: str(undefined, { maxLength: 2048 }),
            valueFrom: enumOf(undefined, ["INLINE", "HOST"]),
          },
          { required: ["name"] },
        ),
        { maxItems: 256, "x-kubernetes-list-map-keys": ["name"], "x-kubernetes-list-type": "map" },
      ),
    }),
    ...policyTargets,
  },
  { required: ["url"] },
);
