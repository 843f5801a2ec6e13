import type { ObjectService } from "./objects.ts";
import { findResource, type ResourceType } from "./resources.ts";
import { forbidden, qualifiedResource, StatusError } from "./status.ts";

/** Who a bearer token belongs to, and what RBAC grants them. */
export interface User {
  name: string;
  /** Whether the user may write, not only get, list and watch. */
  canWrite: boolean;
  /**
   * Set for a user whose one grant is a RoleBinding to the built-in `admin` ClusterRole in
   * this namespace, as a cluster admin sets up each attendee of a workshop: everything on
   * namespaced resources there, get/list/watch of that Namespace object itself (the role
   * aggregates `view`), nothing else. The binding lives in the namespace, so the grant exists
   * only while the namespace does.
   */
  namespace?: string;
}

/** What a resource request asks, in the API server's terms (its RequestInfo). */
export interface ResourceAttributes {
  verb: string;
  resource: Pick<ResourceType, "plural" | "group" | "namespaced">;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const READ_VERBS = new Set(["get", "list", "watch"]);

/**
 * Throws the API server's 403 when `user` may not do this. The namespace of a request for a
 * Namespace object is its name, as in the API server's RequestInfo.
 */
export function authorize(user: User, request: ResourceAttributes, objects: ObjectService): void {
  const namespace =
    request.namespace ??
    (request.resource.plural === "namespaces" && !request.resource.group ? request.name : undefined);
  if (!allowed(user, { ...request, namespace }, objects)) {
    throw forbidden(user.name, request.verb, request.resource, namespace, request.name, request.subresource);
  }
}

// system:basic-user, bound to every authenticated user: asking what you may do.
const SELF_REVIEWS = new Set([
  "selfsubjectaccessreviews.authorization.k8s.io",
  "selfsubjectrulesreviews.authorization.k8s.io",
  "selfsubjectreviews.authentication.k8s.io",
]);

function allowed(user: User, request: ResourceAttributes, objects: ObjectService): boolean {
  if (request.verb === "create" && SELF_REVIEWS.has(qualifiedResource(request.resource))) return true;
  if (!user.canWrite && !READ_VERBS.has(request.verb)) return false;
  if (user.namespace === undefined) return true;
  if (request.namespace !== user.namespace || !bindingExists(user.namespace, objects)) return false;
  if (request.resource.namespaced) return true;
  // `view`, aggregated into `admin`, reads namespaces and namespaces/status; bound in a
  // namespace, that is reading this one, "an indicator of which namespaces you have access to".
  return (
    request.resource.plural === "namespaces" &&
    !request.resource.group &&
    (!request.subresource || request.subresource === "status") &&
    READ_VERBS.has(request.verb)
  );
}

const namespaces = findResource("", "v1", "namespaces") as ResourceType;

/** The RoleBinding lives in the namespace: there is none before the admin creates it. */
const bindingExists = (namespace: string, objects: ObjectService): boolean =>
  objects.find(namespaces, undefined, namespace) !== undefined;

/**
 * A path that is neither a resource nor discovery, from a user that RBAC grants no
 * non-resource URLs beyond system:discovery's: 403 as `forbidden: User "u" cannot get path "/x"`.
 */
export function authorizePath(user: User, method: string, path: string): void {
  if (user.namespace === undefined) return;
  if (/^\/(api|apis|openapi)(\/|$)/.test(path)) return;
  throw new StatusError(
    403,
    "Forbidden",
    `forbidden: User "${user.name}" cannot ${method.toLowerCase()} path "${path}"`,
    {},
  );
}
