// What the API server does to a custom resource between decoding and storage: status is not
// settable on create when the CRD has a status subresource, undeclared fields are dropped, nulls
// that may not be null are dropped, defaults are filled in, and the result must satisfy the
// version's schema (422 Invalid with one cause per violation).

import type { AdmissionPlugin } from "../api/admission.ts";
import { invalid } from "../api/status.ts";
import { applySchemaDefaults } from "../schema/defaults.ts";
import { pruneNonNullableNulls, pruneResource } from "../schema/prune.ts";
import { validateResource } from "../schema/validate.ts";
import { versionOf } from "./catalog.ts";

export const customResourceAdmission: AdmissionPlugin = ({ operation, resource, object }) => {
  if (!resource.custom) return;
  const version = versionOf(resource, object.apiVersion);
  const info = resource.custom.versions[version];
  if (!info) return;
  if (operation === "CREATE" && info.status) delete object.status;
  const schema = info.schema;
  if (!schema) return;
  const root = object as Record<string, unknown>;
  pruneResource(root, schema);
  pruneNonNullableNulls(root, schema);
  applySchemaDefaults(root, schema);
  const causes = validateResource(root, schema);
  if (causes.length) throw invalid(resource, object.metadata.name ?? "", causes);
};
