// authentication.k8s.io/v1 SelfSubjectReview, what `kubectl auth whoami` asks: the user the
// request was authenticated (or impersonated) as.

import { type RequestContext, readObject } from "../api/handlers.ts";
import type { ResourceRequest } from "../api/request.ts";
import { methodNotAllowed } from "../api/status.ts";
import { AUTHENTICATION_GROUP, SELF_SUBJECT_REVIEWS } from "../rbac/kinds.ts";

export const isSelfSubjectReview = (request: ResourceRequest): boolean =>
  request.resource === SELF_SUBJECT_REVIEWS;

export async function answerSelfSubjectReview(ctx: RequestContext, request: ResourceRequest): Promise<void> {
  if (ctx.req.method !== "POST" || request.name) throw methodNotAllowed();
  await readObject(ctx, request.resource, request.version);
  const { user } = ctx;
  ctx.send(201, {
    kind: "SelfSubjectReview",
    apiVersion: `${AUTHENTICATION_GROUP}/v1`,
    metadata: {
      creationTimestamp: ctx.objects.store
        .now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
    },
    status: {
      userInfo: {
        username: user.name,
        ...(user.uid ? { uid: user.uid } : {}),
        ...(user.groups.length ? { groups: user.groups } : {}),
        ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
      },
    },
  });
}
