import type { IncomingMessage, ServerResponse } from "node:http";
import { subresourcesAt } from "../crd/catalog.ts";
import {
  addWarnings,
  checkApplyBody,
  checkUndeclaredFields,
  fieldValidationOf,
} from "../crd/fieldValidation.ts";
import { customScale } from "../crd/scale.ts";
import type { KubeObject, Pod } from "../kube.ts";
import type { ContainerLogs } from "../logs/containerLogs.ts";
import { toTable } from "../tables/index.ts";
import type { User } from "./authorization.ts";
import { readJson } from "./jsonBody.ts";
import { applyJsonPatch } from "./jsonPatch.ts";
import { watchTimeout } from "./listOptions.ts";
import { logContainer, serveLog } from "./logs.ts";
import type { DeleteOptions, ObjectService } from "./objects.ts";
import {
  conflictMessage,
  jsonMergePatch,
  PatchError,
  serverSideApply,
  strategicMergePatch,
} from "./patch.ts";
import {
  decodeKubernetesProtobuf,
  isKubernetesProtobuf,
  ProtobufDecodeError,
  ProtobufUnsupportedError,
} from "./protobuf.ts";
import type { ResourceRequest } from "./request.ts";
import {
  checkApplied,
  checkDecoded,
  checkPatched,
  decodeApply,
  decodeObject,
  decodePatch,
} from "./requestBody.ts";
import { groupVersion, type ResourceType, storageKey } from "./resources.ts";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from "./selectors.ts";
import {
  badRequest,
  invalid,
  methodNotAllowed,
  notFound,
  StatusError,
  unsupportedMediaType,
} from "./status.ts";
import { serveWatch } from "./watch.ts";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: User;
  body: () => Promise<Buffer>;
  objects: ObjectService;
  registerWatch: (stop: () => void) => void;
  bookmarkIntervalMs?: number;
  send: (code: number, body: unknown) => void;
  /** The node's container logs, for pods/log. */
  logs?: ContainerLogs;
}

const PATCH_TYPES = [
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
];

/** The verb RBAC sees: a GET is get, list or watch; a DELETE without a name deletecollection. */
export function verbOf(method: string, request: Pick<ResourceRequest, "name">, watch: boolean): string {
  switch (method) {
    case "GET":
    case "HEAD":
      return watch ? "watch" : request.name ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return request.name ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

/** The object as served in the requested version: Istio kinds are stored once, served in three. */
export function present(r: ResourceType, version: string, object: KubeObject): KubeObject {
  return { ...object, apiVersion: groupVersion(r.group, version), kind: r.kind };
}

const wantsTable = (req: IncomingMessage) => /as=Table/.test(req.headers.accept ?? "");

function parseSelectors(url: URL, r: ResourceType) {
  try {
    const label = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
    const field = parseFieldSelector(url.searchParams.get("fieldSelector") ?? "", r.kind);
    return (object: KubeObject) =>
      matchesLabels(label, object.metadata.labels) && matchesFields(field, object);
  } catch (error) {
    if (error instanceof SelectorError) throw badRequest(error.message);
    throw error;
  }
}

export async function handleResource(ctx: RequestContext, request: ResourceRequest): Promise<void> {
  const { req, url, objects } = ctx;
  const r = request.resource;
  const watch = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
  // Authorized by the server, from the request's path and query, before it got here.
  const verb = verbOf(req.method ?? "GET", request, watch);
  const version = request.version;
  const manager =
    url.searchParams.get("fieldManager") ??
    (req.headers["user-agent"] ?? "unknown").split("/")[0] ??
    "unknown";
  const dryRun = url.searchParams.has("dryRun");
  const { namespace, name, subresource } = request;

  if (subresource && !["status", "scale", "log"].includes(subresource)) throw notFound(r, name ?? "");
  if (r.custom && subresource && !subresourcesAt(r, version).includes(subresource as "status"))
    throw notFound(r, name ?? "");
  if (subresource === "log" && r.plural === "pods" && !r.group) return sendLog(ctx, request);
  if (subresource === "scale") return handleScale(ctx, request, manager);

  switch (verb) {
    case "list":
    case "watch":
      return list(ctx, request, watch);
    case "get": {
      const object = objects.get(r, namespace, name ?? "");
      return ctx.send(
        200,
        wantsTable(req)
          ? toTable(r, [object], Date.now(), object.metadata.resourceVersion ?? "", version)
          : present(r, version, object),
      );
    }
    case "create": {
      if (name) throw methodNotAllowed();
      const body = await readObject(ctx, r, version);
      checkKind(r, body);
      addWarnings(ctx.res, checkUndeclaredFields(r, body, fieldValidationOf(url), "write"));
      const created = objects.create(r, namespace, body, { manager, dryRun });
      return ctx.send(201, present(r, version, created));
    }
    case "update": {
      const body = await readObject(ctx, r, version);
      checkKind(r, body);
      addWarnings(ctx.res, checkUndeclaredFields(r, body, fieldValidationOf(url), "write"));
      const updated = objects.update(r, namespace, name ?? "", body, { manager, dryRun, subresource });
      return ctx.send(200, present(r, version, updated));
    }
    case "patch":
      return patch(ctx, request, manager, dryRun).catch(refusedPatch);
    case "delete": {
      const options = await readDeleteOptions(ctx);
      const deleted = objects.delete(r, namespace, name ?? "", { ...options, dryRun });
      const stillThere = objects.find(r, namespace, name ?? "");
      return ctx.send(200, stillThere ? present(r, version, deleted) : successStatus(r, deleted));
    }
    case "deletecollection": {
      const options = await readDeleteOptions(ctx);
      const matches = parseSelectors(url, r);
      const { items } = objects.list(r, namespace);
      const deleted = items
        .filter(matches)
        .map((o) => objects.delete(r, o.metadata.namespace, o.metadata.name ?? "", options));
      return ctx.send(200, listOf(r, version, deleted, String(objects.store.revision)));
    }
    default:
      throw methodNotAllowed();
  }
}

/**
 * A patch that cannot be applied is the client's mistake, whatever the merge code calls it: 400
 * or 422 with the merge code's words. (The API server answers some of these, such as a list item
 * without its merge key, with a 500; a client's mistake should never look like the server's.)
 */
function refusedPatch(error: unknown): never {
  if (!(error instanceof PatchError)) throw error;
  if (error.status === 422) throw new StatusError(422, "Invalid", error.message);
  throw new StatusError(400, "BadRequest", error.message);
}

function successStatus(r: ResourceType, object: KubeObject) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Success",
    details: {
      name: object.metadata.name,
      ...(r.group ? { group: r.group } : {}),
      kind: r.plural,
      uid: object.metadata.uid,
    },
  };
}

function listOf(r: ResourceType, version: string, items: KubeObject[], resourceVersion: string) {
  return {
    kind: `${r.kind}List`,
    apiVersion: groupVersion(r.group, version),
    metadata: { resourceVersion },
    items: items.map((o) => present(r, version, o)),
  };
}

function list(ctx: RequestContext, request: ResourceRequest, watch: boolean): void {
  const { url, objects, req } = ctx;
  const r = request.resource;
  const selectorMatches = parseSelectors(url, r);
  const matches = (o: KubeObject) =>
    (!request.namespace || o.metadata.namespace === request.namespace) &&
    (!request.name || o.metadata.name === request.name) &&
    selectorMatches(o);
  const table = wantsTable(req);
  if (watch) {
    const timeoutSeconds = watchTimeout(url, r);
    serveWatch(
      ctx.res,
      {
        store: objects.store,
        storageKey: storageKey(r),
        namespace: r.namespaced ? request.namespace : undefined,
        matches,
        present: (o) =>
          table
            ? toTable(r, [o], Date.now(), o.metadata.resourceVersion ?? "", request.version)
            : present(r, request.version, o),
        resourceVersion: url.searchParams.get("resourceVersion") ?? undefined,
        bookmarks: url.searchParams.get("allowWatchBookmarks") === "true",
        bookmarkIntervalMs: ctx.bookmarkIntervalMs,
        timeoutSeconds,
        bookmarkObject: (resourceVersion) => ({
          kind: r.kind,
          apiVersion: groupVersion(r.group, request.version),
          metadata: { resourceVersion },
        }),
      },
      ctx.registerWatch,
    );
    return;
  }
  const { items: selected, resourceVersion } = objects.list(r, request.namespace, matches);
  ctx.send(
    200,
    table
      ? toTable(r, selected, Date.now(), resourceVersion, request.version)
      : listOf(r, request.version, selected, resourceVersion),
  );
}

async function patch(
  ctx: RequestContext,
  request: ResourceRequest,
  manager: string,
  dryRun: boolean,
): Promise<void> {
  const { objects, req, url } = ctx;
  const r = request.resource;
  const name = request.name ?? "";
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  const accepted = r.custom ? PATCH_TYPES.filter((t) => !t.includes("strategic")) : PATCH_TYPES;
  if (!accepted.includes(contentType)) throw unsupportedMediaType(contentType, accepted);
  const raw = (await ctx.body()).toString("utf8");

  if (contentType === "application/apply-patch+yaml") {
    if (!url.searchParams.get("fieldManager")) {
      throw badRequest(
        "PATCH, application/apply-patch+yaml requests must supply a fieldManager query parameter",
      );
    }
    const applied = decodeApply(raw).value as KubeObject;
    checkApplied(r, request.version, applied);
    checkKind(r, applied);
    applied.metadata ??= {};
    checkApplyBody(r, applied);
    if (applied.metadata.name && applied.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const live = objects.find(r, request.namespace, name);
    const outcome = serverSideApply(live, applied, {
      manager,
      force: url.searchParams.get("force") === "true",
      apiVersion: groupVersion(r.group, request.version),
      now: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    });
    if ("conflicts" in outcome) {
      throw new StatusError(409, "Conflict", conflictMessage(outcome.conflicts), {
        causes: outcome.conflicts.map((c) => ({
          reason: "FieldManagerConflict",
          message: `conflict with "${c.manager}"`,
          field: c.field,
        })),
      });
    }
    // Like the API server, an apply that changes nothing writes nothing: no new
    // resourceVersion, no MODIFIED event for watchers.
    if (live && !outcome.changed) return ctx.send(200, present(r, request.version, live));
    const result = { ...outcome.object, apiVersion: groupVersion(r.group, request.version), kind: r.kind };
    result.metadata = { ...result.metadata, name };
    if (!live) {
      const created = objects.create(r, request.namespace, result, {
        manager,
        dryRun,
        managedFieldsSet: true,
      });
      return ctx.send(201, present(r, request.version, created));
    }
    const updated = objects.update(r, request.namespace, name, result, {
      manager,
      dryRun,
      subresource: request.subresource,
      managedFieldsSet: true,
    });
    return ctx.send(200, present(r, request.version, updated));
  }

  const live = objects.get(r, request.namespace, name);
  const decoded = decodePatch(contentType, raw);
  const body = decoded.value;
  let next: unknown;
  if (contentType === "application/json-patch+json") {
    next = applyJsonPatch(live, body as unknown[]);
  } else {
    next =
      contentType === "application/merge-patch+json"
        ? jsonMergePatch(live, body)
        : strategicMergePatch(live, body, r.kind);
  }
  addWarnings(ctx.res, checkUndeclaredFields(r, next as KubeObject, fieldValidationOf(url), "patch"));
  const strategic = contentType === "application/strategic-merge-patch+json";
  checkPatched(r, next, decoded, strategic ? "unstructured" : "json");
  // The patched object must still name what the URL names (the API server's checkName).
  const patchedName = (next as KubeObject).metadata?.name ?? "";
  if (patchedName !== name)
    throw badRequest(`the name of the object (${patchedName}) does not match the name on the URL (${name})`);
  const updated = objects.update(
    r,
    request.namespace,
    name,
    { ...(next as KubeObject), metadata: { ...(next as KubeObject).metadata, resourceVersion: undefined } },
    {
      manager,
      dryRun,
      subresource: request.subresource,
    },
  );
  ctx.send(200, present(r, request.version, updated));
}

/** A small JSON body (delete options, a Scale): Go's syntax message when it does not parse. */
function parseBody(raw: string): unknown {
  try {
    return readJson(raw).value;
  } catch (error) {
    throw badRequest((error as Error).message);
  }
}

/** Bodies the sandbox can decode. kubectl create sends protobuf and never retries as JSON. */
const OBJECT_TYPES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];

export async function readObject(ctx: RequestContext, r: ResourceType, version: string): Promise<KubeObject> {
  const contentType = (ctx.req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  if (isKubernetesProtobuf(contentType))
    return checkDecoded(r, version, decodeProtobufBody(await ctx.body()));
  if (!OBJECT_TYPES.includes(contentType)) throw unsupportedMediaType(contentType, OBJECT_TYPES);
  const raw = (await ctx.body()).toString("utf8");
  return decodeObject(r, version, raw, contentType === "application/yaml");
}

function decodeProtobufBody(body: Buffer): KubeObject {
  try {
    const object = decodeKubernetesProtobuf(body);
    object.metadata ??= {};
    return object;
  } catch (error) {
    if (error instanceof ProtobufUnsupportedError)
      throw unsupportedMediaType("application/vnd.kubernetes.protobuf", ["application/json"]);
    if (error instanceof ProtobufDecodeError)
      throw badRequest(`the protobuf request body could not be decoded: ${error.message}`);
    throw error;
  }
}

function checkKind(r: ResourceType, body: KubeObject): void {
  if (body.kind && body.kind !== r.kind) {
    throw badRequest(`the kind of the request body (${body.kind}) does not match the resource (${r.kind})`);
  }
}

async function readDeleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const raw = (await ctx.body()).toString("utf8").trim();
  const fromBody = raw ? (parseBody(raw) as DeleteOptions & { kind?: string }) : {};
  const q = ctx.url.searchParams;
  const grace = q.get("gracePeriodSeconds") ?? fromBody.gracePeriodSeconds;
  const propagation = q.get("propagationPolicy") ?? fromBody.propagationPolicy;
  if (propagation && !["Background", "Foreground", "Orphan"].includes(String(propagation))) {
    throw badRequest(
      `propagationPolicy: Unsupported value: "${propagation}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  return {
    gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
    propagationPolicy: propagation as DeleteOptions["propagationPolicy"],
    preconditions: fromBody.preconditions,
  };
}

async function handleScale(ctx: RequestContext, request: ResourceRequest, manager: string): Promise<void> {
  const { objects, req } = ctx;
  const r = request.resource;
  if (r.custom) return customScale(ctx, request, manager);
  if (!["Deployment", "ReplicaSet"].includes(r.kind)) throw notFound(r, request.name ?? "");
  const name = request.name ?? "";
  const current = objects.get(r, request.namespace, name);
  const toScale = (o: KubeObject) => {
    const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    const status = (o.status ?? {}) as { replicas?: number };
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
      spec: { replicas: spec.replicas ?? 0 },
      status: {
        replicas: status.replicas ?? 0,
        selector: Object.entries(spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      },
    };
  };
  if (req.method === "GET") return ctx.send(200, toScale(current));
  if (req.method !== "PATCH" && req.method !== "PUT") throw methodNotAllowed();
  const raw = (await ctx.body()).toString("utf8");
  const scale = SCALE_RESOURCE;
  let replicas: unknown;
  if (req.method === "PUT") {
    replicas = (decodeObject(scale, "v1", raw, false).spec as { replicas?: unknown } | undefined)?.replicas;
  } else {
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
    if (!PATCH_TYPES.includes(contentType) || contentType.includes("apply"))
      throw unsupportedMediaType(contentType, PATCH_TYPES.slice(0, 3));
    const decoded = decodePatch(contentType, raw);
    const patched =
      contentType === "application/json-patch+json"
        ? applyJsonPatch(toScale(current), decoded.value as unknown[])
        : jsonMergePatch(toScale(current), decoded.value);
    checkPatched(scale, patched, decoded, contentType.includes("strategic") ? "unstructured" : "json");
    replicas = (patched as { spec?: { replicas?: unknown } }).spec?.replicas;
  }
  if (typeof replicas !== "number" || replicas < 0) {
    throw invalid(scale, name, [
      {
        field: "spec.replicas",
        message: `Invalid value: ${JSON.stringify(replicas ?? 0)}: must be greater than or equal to 0`,
      },
    ]);
  }
  const next = structuredClone(current);
  next.spec = { ...(next.spec as object), replicas };
  const updated = objects.update(r, request.namespace, name, next, { manager });
  ctx.send(200, toScale(updated));
}

/** What messages about the scale subresource name: `Scale.autoscaling "x" is invalid`. */
const SCALE_RESOURCE: ResourceType = {
  group: "autoscaling",
  versions: ["v1"],
  plural: "scales",
  singular: "scale",
  kind: "Scale",
  namespaced: true,
};

function sendLog(ctx: RequestContext, request: ResourceRequest): void {
  const pod = ctx.objects.get(request.resource, request.namespace, request.name ?? "") as Pod;
  const container = logContainer(pod, ctx.url.searchParams.get("container"));
  serveLog(ctx.res, ctx.logs, pod, container, ctx.url.searchParams, ctx.registerWatch);
}
