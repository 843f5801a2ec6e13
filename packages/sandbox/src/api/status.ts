import type { ResourceType } from "./resources.ts";

/** A Kubernetes Status failure, thrown by handlers and written out by the server. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** "pods", "deployments.apps", "virtualservices.networking.istio.io": how messages name a kind. */
export const qualifiedResource = (r: Pick<ResourceType, "plural" | "group">): string =>
  r.group ? `${r.plural}.${r.group}` : r.plural;

const detailsOf = (r: Pick<ResourceType, "plural" | "group">, name?: string) => ({
  ...(name ? { name } : {}),
  ...(r.group ? { group: r.group } : {}),
  kind: r.plural,
});

export const notFound = (r: ResourceType, name: string) =>
  new StatusError(404, "NotFound", `${qualifiedResource(r)} "${name}" not found`, detailsOf(r, name));

export const namespaceNotFound = (namespace: string) =>
  new StatusError(404, "NotFound", `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: "namespaces",
  });

export const alreadyExists = (r: ResourceType, name: string) =>
  new StatusError(
    409,
    "AlreadyExists",
    `${qualifiedResource(r)} "${name}" already exists`,
    detailsOf(r, name),
  );

export const conflict = (r: ResourceType, name: string) =>
  new StatusError(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(r, name),
  );

export interface FieldCause {
  field: string;
  message: string;
  reason?: string;
}

/** 422 as the API server words it: `Deployment.apps "x" is invalid: spec.replicas: ...`. */
export const invalid = (r: ResourceType, name: string, causes: FieldCause[]) => {
  const kind = r.group ? `${r.kind}.${r.group}` : r.kind;
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  const summary = causes.length > 1 ? `[${text}]` : text;
  return new StatusError(422, "Invalid", `${kind} "${name}" is invalid: ${summary}`, {
    name,
    ...(r.group ? { group: r.group } : {}),
    kind: r.kind,
    causes: causes.map((c) => ({
      reason: c.reason ?? "FieldValueInvalid",
      message: c.message,
      field: c.field,
    })),
  });
};

/**
 * 403 as the API server words it; the message names the subresource, the details do not. The
 * authorizer's reason, when it has one (RBAC's resolution errors), follows after a colon.
 */
export function forbidden(
  user: string,
  verb: string,
  r: Pick<ResourceType, "plural" | "group">,
  namespace?: string,
  name?: string,
  subresource?: string,
  reason?: string,
) {
  const subject = name ? `${qualifiedResource(r)} "${name}"` : qualifiedResource(r);
  const scope = namespace ? `in the namespace "${namespace}"` : "at the cluster scope";
  const resource = subresource ? `${r.plural}/${subresource}` : r.plural;
  return new StatusError(
    403,
    "Forbidden",
    `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${r.group}" ${scope}${reason ? `: ${reason}` : ""}`,
    detailsOf(r, name),
  );
}

export const unauthorized = () => new StatusError(401, "Unauthorized", "Unauthorized");

export const badRequest = (message: string) => new StatusError(400, "BadRequest", message);

export const gone = (requested: number, oldest: number) =>
  new StatusError(410, "Expired", `too old resource version: ${requested} (${oldest})`);

export const unsupportedMediaType = (contentType: string, accepted: string[]) =>
  new StatusError(
    415,
    "UnsupportedMediaType",
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    contentType ? { causes: [{ reason: "UnexpectedServerResponse", message: contentType }] } : undefined,
  );

export const methodNotAllowed = () =>
  new StatusError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");

export const pathNotFound = () =>
  new StatusError(404, "NotFound", "the server could not find the requested resource");

export const tooLarge = (limit: number) =>
  new StatusError(413, "RequestEntityTooLarge", `Request entity too large: limit is ${limit}`);

export const internal = (message: string) =>
  new StatusError(500, "InternalError", `Internal error occurred: ${message}`);
