import { findResource, RESOURCES, type ResourceType, type Served } from "./resources.ts";
import { badRequest } from "./status.ts";

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
  const parts = pathname.split("/").filter(Boolean).map(decodeSegment);
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
  // A namespace or name is one path segment: "..", "." or an encoded "/" could address
  // something else than what authorization saw, so they are refused, as the API server does.
  if (rest[0] === "namespaces") checkSegment("namespace", rest[1]);
  if (rest[0] === "namespaces" && rest.length >= 3 && rest[2] !== "status" && rest[2] !== "finalize") {
    checkSegment("name", rest[3]);
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
  if (rest[0] !== "namespaces") checkSegment("name", rest[1]);
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in path segment ${JSON.stringify(segment)}`);
  }
}

/** apimachinery's IsValidPathSegmentName, in the API server's words. */
function checkSegment(what: "namespace" | "name", segment: string | undefined): void {
  if (segment === undefined) return;
  const problems =
    segment === "." || segment === ".."
      ? [`may not be '${segment}'`]
      : ["/", "%"].filter((c) => segment.includes(c)).map((c) => `may not contain '${c}'`);
  if (problems.length > 0)
    throw badRequest(`${JSON.stringify(segment)} is not a valid ${what}: ${problems.join(", ")}`);
}
