// The scale subresource of a custom resource: an autoscaling/v1 Scale read from, and written to,
// the paths its CRD names (specReplicasPath, statusReplicasPath, labelSelectorPath).

import type { RequestContext } from "../api/handlers.ts";
import type { ResourceRequest } from "../api/request.ts";
import { badRequest, methodNotAllowed, notFound } from "../api/status.ts";
import type { KubeObject } from "../kube.ts";
import { findResults, parseJsonPath, type Step } from "../tables/jsonpath.ts";

const fieldsOf = (path: string | undefined): string[] | undefined => {
  const steps = path ? parseJsonPath(path) : undefined;
  if (!steps?.every((s): s is Extract<Step, { kind: "field" }> => s.kind === "field")) return undefined;
  return steps.map((s) => s.name);
};

function read(object: KubeObject, path: string | undefined): unknown {
  const steps = path ? parseJsonPath(path) : undefined;
  return steps ? findResults(object, steps)[0] : undefined;
}

function write(object: KubeObject, path: string | undefined, value: unknown): void {
  const fields = fieldsOf(path);
  if (!fields?.length) return;
  let node = object as Record<string, unknown>;
  for (const field of fields.slice(0, -1)) {
    if (typeof node[field] !== "object" || node[field] === null) node[field] = {};
    node = node[field] as Record<string, unknown>;
  }
  node[fields.at(-1) as string] = value;
}

export async function customScale(
  ctx: RequestContext,
  request: ResourceRequest,
  manager: string,
): Promise<void> {
  const r = request.resource;
  const name = request.name ?? "";
  const scale = r.custom?.versions[request.version]?.scale;
  if (!scale) throw notFound(r, name);
  const toScale = (o: KubeObject) => {
    const replicas = read(o, scale.specReplicasPath);
    const observed = read(o, scale.statusReplicasPath);
    const selector = read(o, scale.labelSelectorPath);
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: typeof replicas === "number" ? { replicas } : {},
      status: {
        replicas: typeof observed === "number" ? observed : 0,
        ...(typeof selector === "string" ? { selector } : {}),
      },
    };
  };
  const current = ctx.objects.get(r, request.namespace, name);
  if (ctx.req.method === "GET") return ctx.send(200, toScale(current));
  if (ctx.req.method !== "PATCH" && ctx.req.method !== "PUT") throw methodNotAllowed();
  let body: { spec?: { replicas?: unknown } };
  try {
    body = JSON.parse((await ctx.body()).toString("utf8") || "{}");
  } catch (error) {
    throw badRequest(`the request body could not be decoded: ${(error as Error).message}`);
  }
  const replicas = body?.spec?.replicas;
  if (typeof replicas !== "number" || replicas < 0 || !Number.isInteger(replicas)) {
    throw badRequest(
      `spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be a non-negative integer`,
    );
  }
  const next = structuredClone(current);
  write(next, scale.specReplicasPath, replicas);
  const updated = ctx.objects.update(r, request.namespace, name, next, { manager });
  ctx.send(200, toScale(updated));
}
