// POST .../serviceaccounts/NAME/token: authentication.k8s.io/v1 TokenRequest, what
// `kubectl create token` sends. The service account must exist, the object a token is bound to
// too (and run as that account, for a pod); the lifetime defaults to an hour and must lie
// between ten minutes and 2^32 seconds.

import { type RequestContext, readObject } from "../api/handlers.ts";
import type { ResourceRequest } from "../api/request.ts";
import { findResource, type ResourceType } from "../api/resources.ts";
import { badRequest, invalid, methodNotAllowed, StatusError } from "../api/status.ts";
import type { KubeObject } from "../kube.ts";
import { AUTHENTICATION_GROUP } from "../rbac/kinds.ts";
import { API_AUDIENCES, ServiceAccountTokens } from "./tokens.ts";

const TOKEN_REQUEST: ResourceType = {
  group: AUTHENTICATION_GROUP,
  versions: ["v1"],
  plural: "tokenrequests",
  singular: "tokenrequest",
  kind: "TokenRequest",
  namespaced: true,
};

const DEFAULT_EXPIRATION_SECONDS = 60 * 60;
const MIN_EXPIRATION_SECONDS = 10 * 60;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
}

const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export async function createServiceAccountToken(
  ctx: RequestContext,
  request: ResourceRequest,
): Promise<void> {
  if (ctx.req.method !== "POST") throw methodNotAllowed();
  const { objects } = ctx;
  const namespace = request.namespace ?? "";
  const name = request.name ?? "";
  const body = await readObject(ctx, TOKEN_REQUEST, "v1");
  if (body.kind && body.kind !== "TokenRequest")
    throw badRequest(
      `the kind of the request body (${body.kind}) does not match the resource (TokenRequest)`,
    );
  if (body.metadata.name && body.metadata.name !== name)
    throw invalid(TOKEN_REQUEST, name, [
      {
        field: "metadata.name",
        message: `Invalid value: ${JSON.stringify(body.metadata.name)}: must match the service account name if specified`,
      },
    ]);
  if (body.metadata.namespace && body.metadata.namespace !== namespace)
    throw invalid(TOKEN_REQUEST, name, [
      {
        field: "metadata.namespace",
        message: `Invalid value: ${JSON.stringify(body.metadata.namespace)}: must match the service account namespace if specified`,
      },
    ]);
  const spec = (body.spec ?? {}) as TokenRequestSpec;
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
  if (expirationSeconds < MIN_EXPIRATION_SECONDS)
    throw invalid(TOKEN_REQUEST, name, [
      {
        field: "spec.expirationSeconds",
        message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
      },
    ]);
  if (expirationSeconds > MAX_EXPIRATION_SECONDS)
    throw invalid(TOKEN_REQUEST, name, [
      {
        field: "spec.expirationSeconds",
        message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds`,
      },
    ]);

  const serviceAccount = objects.get(request.resource, namespace, name);
  const bound = boundObject(ctx, namespace, name, spec.boundObjectRef);
  const audiences = spec.audiences?.length ? spec.audiences : API_AUDIENCES;
  const now = objects.store.now();
  const { token, claims } = ServiceAccountTokens.of(objects.store).issue({
    serviceAccount,
    audiences,
    expirationSeconds,
    now,
    ...bound,
  });
  ctx.send(201, {
    kind: "TokenRequest",
    apiVersion: `${AUTHENTICATION_GROUP}/v1`,
    metadata: { name, namespace, creationTimestamp: timestamp(now) },
    spec: {
      audiences,
      expirationSeconds,
      boundObjectRef: spec.boundObjectRef ? { ...spec.boundObjectRef, uid: boundUid(bound) } : null,
    },
    status: { token, expirationTimestamp: timestamp(new Date(claims.exp * 1000)) },
  });
}

const boundUid = (bound: { pod?: KubeObject; secret?: KubeObject; node?: KubeObject }) =>
  (bound.pod ?? bound.secret ?? bound.node)?.metadata.uid;

function boundObject(
  ctx: RequestContext,
  namespace: string,
  serviceAccount: string,
  ref: TokenRequestSpec["boundObjectRef"],
): { pod?: KubeObject; secret?: KubeObject; node?: KubeObject } {
  if (!ref) return {};
  const [group, version] = (ref.apiVersion ?? "").includes("/")
    ? (ref.apiVersion ?? "").split("/")
    : ["", ref.apiVersion ?? ""];
  const store = ctx.objects.store;
  let found: KubeObject | undefined;
  let bound: { pod?: KubeObject; secret?: KubeObject; node?: KubeObject };
  if (group === "" && ref.kind === "Pod") {
    const pods = findResource("", "v1", "pods") as ResourceType;
    found = ctx.objects.get(pods, namespace, ref.name ?? "");
    const runsAs =
      (found.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName || "default";
    if (runsAs !== serviceAccount)
      throw badRequest(
        `cannot bind token for serviceaccount "${serviceAccount}" to pod running with serviceaccount "${runsAs}"`,
      );
    const nodeName = (found.spec as { nodeName?: string } | undefined)?.nodeName;
    const node = nodeName ? store.get("nodes", undefined, nodeName) : undefined;
    bound = { pod: found, ...(node ? { node } : {}) };
  } else if (group === "" && ref.kind === "Secret") {
    found = store.get("secrets", namespace, ref.name ?? "");
    if (!found)
      throw new StatusError(404, "NotFound", `secrets "${ref.name ?? ""}" not found`, {
        name: ref.name ?? "",
        kind: "secrets",
      });
    bound = { secret: found };
  } else if (group === "" && ref.kind === "Node") {
    const nodes = findResource("", "v1", "nodes") as ResourceType;
    found = ctx.objects.get(nodes, undefined, ref.name ?? "");
    bound = { node: found };
  } else {
    throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ""}`);
  }
  if (ref.uid && ref.uid !== found.metadata.uid)
    throw new StatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${ref.kind}${group ? `.${group}` : ""} "${ref.name}": the UID in the bound object reference (${ref.uid}) does not match the UID in record (${found.metadata.uid}). The object might have been deleted and then recreated`,
      { name: ref.name, kind: ref.kind },
    );
  return bound;
}
