// Writes crds/gateway-api-standard.yaml and crds/gateway-api-experimental.yaml from the bundle data,
// so users can install the Gateway API CRDs on the sandbox with kubectl, then formats them the
// way the repository's formatter wants. A unit test checks that the files hold the bundle.
//
//   npx tsx packages/sandbox/scripts/write-gateway-api-crds.ts

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gatewayApiBundleYaml } from "../src/gatewayapi/yaml.ts";

const files = (["standard", "experimental"] as const).map((channel) => {
  const path = fileURLToPath(new URL(`../crds/gateway-api-${channel}.yaml`, import.meta.url));
  writeFileSync(path, gatewayApiBundleYaml(channel));
  return path;
});
execFileSync("npx", ["biome", "format", "--write", ...files], { stdio: "inherit" });
for (const file of files) console.log(`wrote ${file}`);
