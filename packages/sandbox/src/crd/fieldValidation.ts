// What the API server does with fields a custom resource's schema does not declare, per the
// request's fieldValidation: Strict refuses them (wording depends on the verb), Warn drops them
// with a Warning header per field, Ignore drops them silently. Server-side apply refuses them
// whatever fieldValidation says, because the apply body must fit the schema to be merged at all.

import type { ServerResponse } from "node:http";
import type { ResourceType } from "../api/resources.ts";
import { badRequest, StatusError } from "../api/status.ts";
import type { KubeObject } from "../kube.ts";
import { pruneResource } from "../schema/prune.ts";
import { goJson } from "../tables/generic.ts";
import { versionOf } from "./catalog.ts";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** The request's directive; the server's default (no parameter) is Warn. */
export function fieldValidationOf(url: URL): FieldValidation {
  const value = url.searchParams.get("fieldValidation");
  return value === "Strict" || value === "Ignore" ? value : "Warn";
}

/** The undeclared fields of `object`, by path (`spec.htp`), without changing it. */
export function undeclaredFields(r: ResourceType, object: KubeObject): string[] {
  if (!r.custom) return [];
  const version = versionOf(r, object.apiVersion);
  const schema = r.custom.versions[version]?.schema;
  if (!schema) return [];
  return pruneResource(structuredClone(object) as Record<string, unknown>, schema);
}

const strictError = (paths: string[]) =>
  `strict decoding error: ${paths.map((p) => `unknown field ${JSON.stringify(p)}`).join(", ")}`;

/**
 * Applies the directive to a create or update body (`operation` "write") or to the result of a
 * JSON or merge patch (`operation` "patch"). Returns the warnings to send; throws for Strict.
 */
export function checkUndeclaredFields(
  r: ResourceType,
  object: KubeObject,
  directive: FieldValidation,
  operation: "write" | "patch",
): string[] {
  if (directive === "Ignore") return [];
  const paths = undeclaredFields(r, object);
  if (paths.length === 0) return [];
  if (directive === "Warn") return paths.map((p) => `unknown field ${JSON.stringify(p)}`);
  if (operation === "write") {
    const kind = object.kind || r.kind;
    const version = versionOf(r, object.apiVersion);
    throw badRequest(
      `${kind} in version ${JSON.stringify(version)} cannot be handled as a ${r.kind}: ${strictError(paths)}`,
    );
  }
  // The server prints the patched object as encoding/json writes it: sorted keys, HTML-safe.
  const patched = goJson(object);
  const detail = `Invalid value: ${JSON.stringify(patched)}: ${strictError(paths)}`;
  throw new StatusError(422, "Invalid", ` "" is invalid: patch: ${detail}`, {
    causes: [{ reason: "FieldValueInvalid", message: detail, field: "patch" }],
  });
}

/** Server-side apply: an apply body with undeclared fields cannot be typed, whatever the directive. */
export function checkApplyBody(r: ResourceType, applied: KubeObject): void {
  const paths = undeclaredFields(r, applied);
  if (paths.length === 0) return;
  const version = versionOf(r, applied.apiVersion);
  const gvk = `${r.group}/${version}, Kind=${r.kind}`;
  // The field manager names the object from the apply body itself.
  const where = `${applied.metadata?.namespace ?? ""}/${applied.metadata?.name ?? ""}`;
  const problems = paths.map((p) => `.${p}: field not declared in schema`);
  const detail =
    problems.length === 1 ? problems[0] : ["errors:", ...problems.map((p) => `  ${p}`)].join("\n");
  // The field manager's error is not a Status, so the server answers 500 with no reason.
  throw new StatusError(500, "", `failed to create typed patch object (${where}; ${gvk}): ${detail}`);
}

/** Sends warnings the way the API server does: one `Warning: 299 - "..."` header each. */
export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  const existing = res.getHeader("Warning");
  const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  res.setHeader("Warning", [...before, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}
