// Writes crds/gateway-api-standard.yaml and crds/gateway-api-experimental.yaml from the bundle data,
// so users can install the Gateway API CRDs on the sandbox with kubectl. A unit test checks that
// the files are up to date.
//
//   npx tsx packages/sandbox/scripts/write-gateway-api-crds.ts

import { writeFileSync } from "node:fs";
import { gatewayApiBundleYaml } from "../src/gatewayapi/yaml.ts";

for (const channel of ["standard", "experimental"] as const) {
  const path = new URL(`../crds/gateway-api-${channel}.yaml`, import.meta.url);
  writeFileSync(path, gatewayApiBundleYaml(channel));
  console.log(`wrote ${path.pathname}`);
}
