// Every request is authorized before it is routed, as the API server's authorization filter
// does: its path and method become the attributes RBAC reads (RequestInfo), members of
// system:masters may do anything, and everyone else gets what their bindings grant, or a 403
// worded as the API server words it.

import type { User } from "../auth/user.ts";
import { PRIVILEGED_GROUP } from "../auth/user.ts";
import { type Decision, RbacAuthorizer } from "../rbac/authorizer.ts";
import type { Attributes } from "../rbac/rules.ts";
import type { Store } from "../store/store.ts";
import type { ObjectService } from "./objects.ts";
import type { ResourceType } from "./resources.ts";
import { forbidden, StatusError } from "./status.ts";

export type { User } from "../auth/user.ts";
export type { Attributes } from "../rbac/rules.ts";

/** What a resource request asks, in the API server's terms (its RequestInfo). */
export interface ResourceAttributes {
  verb: string;
  resource: Pick<ResourceType, "plural" | "group" | "namespaced">;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** The union of the API server's authorizers: the privileged group, then RBAC. */
export function decide(attributes: Attributes, store: Store): Decision {
  if (attributes.user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: "" };
  return RbacAuthorizer.of(store).authorize(attributes);
}

/** Throws the API server's 403 for `attributes` unless they are allowed. */
export function requireAllowed(attributes: Attributes, store: Store): void {
  const decision = decide(attributes, store);
  if (decision.allowed) return;
  if (!attributes.resourceRequest) {
    const reason = decision.reason ? `: ${decision.reason}` : "";
    throw new StatusError(
      403,
      "Forbidden",
      `forbidden: User "${attributes.user.name}" cannot ${attributes.verb} path "${attributes.path}"${reason}`,
      {},
    );
  }
  throw forbidden(
    attributes.user.name,
    attributes.verb,
    { plural: attributes.resource, group: attributes.apiGroup },
    attributes.namespace || undefined,
    attributes.name || undefined,
    attributes.subresource || undefined,
    decision.reason,
  );
}

/**
 * Authorizes one resource request already parsed. The namespace of a request for a Namespace
 * object is its name, as in the API server's RequestInfo.
 */
export function authorize(user: User, request: ResourceAttributes, objects: ObjectService): void {
  const namespace =
    request.namespace ??
    (request.resource.plural === "namespaces" && !request.resource.group ? request.name : undefined);
  requireAllowed(
    {
      user,
      verb: request.verb,
      resourceRequest: true,
      apiGroup: request.resource.group,
      resource: request.resource.plural,
      subresource: request.subresource ?? "",
      namespace: namespace ?? "",
      name: request.name ?? "",
      path: "",
    },
    objects.store,
  );
}

const TRUE_VALUES = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** A path segment that can be an object name: not "." or "..", without "/" or "%". */
export const isPathSegmentName = (name: string): boolean =>
  name !== "." && name !== ".." && !name.includes("/") && !name.includes("%");

/** `metadata.name=x` (or `==x`) among a field selector's terms. */
function exactName(fieldSelector: string | null): string | undefined {
  for (const term of (fieldSelector ?? "").split(",")) {
    const match = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (match) return match[1];
  }
  return undefined;
}

/**
 * A request's authorization attributes from its method, path and query, following the API
 * server's RequestInfoFactory: `/api/v1/...` and `/apis/GROUP/VERSION/...` with at least a
 * resource are resource requests; everything else (discovery documents included) is a
 * non-resource path whose verb is the lower-cased method.
 */
export function requestAttributes(
  user: User,
  method: string,
  path: string,
  query: URLSearchParams,
): Attributes {
  const nonResource: Attributes = {
    user,
    verb: method.toLowerCase(),
    resourceRequest: false,
    apiGroup: "",
    resource: "",
    subresource: "",
    namespace: "",
    name: "",
    path,
  };
  let parts = path.split("/").filter(Boolean).map(decodePart);
  const prefix = parts[0];
  if (parts.length < 3 || (prefix !== "api" && prefix !== "apis")) return nonResource;
  let apiGroup = "";
  parts = parts.slice(1);
  if (prefix === "apis") {
    if (parts.length < 3) return nonResource;
    apiGroup = parts[0] ?? "";
    parts = parts.slice(1);
  }
  parts = parts.slice(1); // the version

  let verb: string;
  if (parts[0] === "watch" || parts[0] === "proxy") {
    verb = parts[0];
    parts = parts.slice(1);
  } else {
    verb =
      { POST: "create", GET: "get", HEAD: "get", PUT: "update", PATCH: "patch", DELETE: "delete" }[method] ??
      "";
  }

  let namespace = "";
  if (parts[0] === "namespaces" && parts.length > 1) {
    namespace = parts[1] ?? "";
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2] ?? "")) parts = parts.slice(2);
  }
  const resource = parts[0] ?? "";
  let name = parts[1] ?? "";
  const subresource = parts.length >= 3 && verb !== "proxy" ? (parts[2] ?? "") : "";

  if (!name && verb === "get") {
    verb = TRUE_VALUES.has(query.get("watch") ?? "") ? "watch" : "list";
    const selected = exactName(query.get("fieldSelector"));
    if (selected && isPathSegmentName(selected)) name = selected;
  }
  if (!name && verb === "delete") verb = "deletecollection";
  return {
    ...nonResource,
    verb,
    resourceRequest: true,
    apiGroup,
    resource,
    subresource,
    namespace,
    name,
    path,
  };
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
