import { findResource, RESOURCES, type ResourceType, type Served } from "./resources.ts";

/** A request for objects, parsed from a Kubernetes REST path. */
export interface ResourceRequest {
  group: string;
  version: string;
  resource: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ParsedPath =
  | { kind: "resource"; request: ResourceRequest }
  | { kind: "groupVersion"; group: string; version: string }
  | {
      kind: "unknownResource";
      group: string;
      version: string;
      plural: string;
      namespace?: string;
      name?: string;
      subresource?: string;
    }
  | { kind: "other" };

/**
 * Splits `/api/v1/namespaces/default/pods/x/status` and `/apis/apps/v1/deployments` into their
 * parts. A path under a known group/version naming an unknown resource is reported as such so
 * the caller can answer 404 the way the API server does.
 */
export function parseResourcePath(pathname: string, served: Served = RESOURCES): ParsedPath {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts[1]) {
    [group, version, rest] = ["", parts[1], parts.slice(2)];
  } else if (parts[0] === "apis" && parts[1] && parts[2]) {
    [group, version, rest] = [parts[1], parts[2], parts.slice(3)];
  } else {
    return { kind: "other" };
  }
  if (rest.length === 0) return { kind: "groupVersion", group, version };

  // /namespaces/{ns}/{resource}/... addresses namespaced objects; /namespaces/{name}[/status]
  // addresses the Namespace itself.
  if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
    const resource = findResource(group, version, rest[2] ?? "", served);
    if (!resource?.namespaced)
      return {
        kind: "unknownResource",
        group,
        version,
        plural: rest[2] ?? "",
        namespace: rest[1],
        name: rest[3],
        subresource: rest[4],
      };
    if (rest.length > 5) return { kind: "other" };
    return {
      kind: "resource",
      request: { group, version, resource, namespace: rest[1], name: rest[3], subresource: rest[4] },
    };
  }
  const resource = findResource(group, version, rest[0] ?? "", served);
  if (!resource)
    return {
      kind: "unknownResource",
      group,
      version,
      plural: rest[0] ?? "",
      name: rest[1],
      subresource: rest[2],
    };
  if (rest.length > 3) return { kind: "other" };
  return { kind: "resource", request: { group, version, resource, name: rest[1], subresource: rest[2] } };
}
