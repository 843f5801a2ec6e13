// authorization.k8s.io/v1's questions: may I (SelfSubjectAccessReview, `kubectl auth can-i`),
// what may I (SelfSubjectRulesReview, `can-i --list`), and, for those allowed to ask them, may
// someone else (SubjectAccessReview, and LocalSubjectAccessReview in one namespace). Each is
// answered on the spot by the same authorizer every request goes through, and echoed back with
// its status filled in; nothing is stored.

import { type Attributes, decide } from "../api/authorization.ts";
import { type RequestContext, readObject } from "../api/handlers.ts";
import type { ResourceRequest } from "../api/request.ts";
import type { ResourceType } from "../api/resources.ts";
import { badRequest, type FieldCause, invalid, methodNotAllowed } from "../api/status.ts";
import type { User } from "../auth/user.ts";
import type { KubeObject } from "../kube.ts";
import { aggregate, RbacAuthorizer } from "./authorizer.ts";
import {
  AUTHORIZATION_GROUP,
  LOCAL_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_RULES_REVIEWS,
  SUBJECT_ACCESS_REVIEWS,
} from "./kinds.ts";

interface ResourceAttributesSpec {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributesSpec | null;
  nonResourceAttributes?: { path?: string; verb?: string } | null;
  user?: string;
  groups?: string[] | null;
  extra?: Record<string, string[]> | null;
  uid?: string;
}

const REVIEWS = new Set([
  SELF_SUBJECT_ACCESS_REVIEWS,
  SELF_SUBJECT_RULES_REVIEWS,
  SUBJECT_ACCESS_REVIEWS,
  LOCAL_SUBJECT_ACCESS_REVIEWS,
]);

export const isAccessReview = (r: ResourceType): boolean => REVIEWS.has(r);

const timestampOf = (ctx: RequestContext) =>
  ctx.objects.store
    .now()
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");

export async function answerAccessReview(ctx: RequestContext, request: ResourceRequest): Promise<void> {
  if (ctx.req.method !== "POST" || request.name) throw methodNotAllowed();
  const r = request.resource;
  const body = await readObject(ctx, request.resource, request.version);
  if (body.kind && body.kind !== r.kind)
    throw badRequest(`the kind of the request body (${body.kind}) does not match the resource (${r.kind})`);
  const review: KubeObject = {
    ...body,
    kind: r.kind,
    apiVersion: `${AUTHORIZATION_GROUP}/v1`,
    metadata: { ...body.metadata, creationTimestamp: timestampOf(ctx) },
  };
  if (r === SELF_SUBJECT_RULES_REVIEWS) {
    review.status = rulesReview(ctx, (body.spec ?? {}) as { namespace?: string });
    return ctx.send(201, review);
  }
  const spec = { ...((body.spec ?? {}) as AccessReviewSpec) };
  let user: User;
  if (r === SELF_SUBJECT_ACCESS_REVIEWS) {
    validateAttributes(r, spec);
    user = ctx.user;
  } else {
    if (r === LOCAL_SUBJECT_ACCESS_REVIEWS) localNamespace(r, spec, request.namespace ?? "");
    validateAttributes(r, spec);
    if (!spec.user && !spec.groups?.length)
      throw invalid(r, "", [
        { field: "spec.user", message: 'Invalid value: "": at least one of user or group must be specified' },
      ]);
    user = {
      name: spec.user ?? "",
      uid: spec.uid,
      groups: [...(spec.groups ?? [])],
      ...(spec.extra ? { extra: spec.extra } : {}),
    };
  }
  review.spec = spec;
  const decision = decide(attributesOf(user, spec), ctx.objects.store);
  review.status = { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
  ctx.send(201, review);
}

function attributesOf(user: User, spec: AccessReviewSpec): Attributes {
  const base = { user, apiGroup: "", resource: "", subresource: "", namespace: "", name: "", path: "" };
  if (spec.resourceAttributes) {
    const a = spec.resourceAttributes;
    return {
      ...base,
      verb: a.verb ?? "",
      resourceRequest: true,
      apiGroup: a.group ?? "",
      resource: a.resource ?? "",
      subresource: a.subresource ?? "",
      namespace: a.namespace ?? "",
      name: a.name ?? "",
    };
  }
  const n = spec.nonResourceAttributes ?? {};
  return { ...base, verb: n.verb ?? "", resourceRequest: false, path: n.path ?? "" };
}

function validateAttributes(r: ResourceType, spec: AccessReviewSpec): void {
  const causes: FieldCause[] = [];
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    causes.push({
      field: "spec.nonResourceAttributes",
      message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: cannot be specified in combination with resourceAttributes`,
    });
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    causes.push({
      field: "spec.resourceAttributes",
      message:
        'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    });
  if (causes.length) throw invalid(r, "", causes);
}

/** A LocalSubjectAccessReview asks about its own namespace: defaulted to it, refused if another. */
function localNamespace(r: ResourceType, spec: AccessReviewSpec, namespace: string): void {
  if (spec.nonResourceAttributes)
    throw invalid(r, "", [
      {
        field: "spec.nonResourceAttributes",
        message: `Invalid value: ${JSON.stringify(spec.nonResourceAttributes)}: disallowed on this kind of request`,
      },
    ]);
  if (!spec.resourceAttributes) return;
  spec.resourceAttributes = { ...spec.resourceAttributes };
  if (!spec.resourceAttributes.namespace) spec.resourceAttributes.namespace = namespace;
  else if (spec.resourceAttributes.namespace !== namespace)
    throw badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
}

function rulesReview(ctx: RequestContext, spec: { namespace?: string }) {
  if (!spec.namespace) throw badRequest("no namespace on request");
  const { rules, errors } = RbacAuthorizer.of(ctx.objects.store).rulesFor(ctx.user, spec.namespace);
  const list = (values: string[] | undefined) => (values?.length ? values : undefined);
  const resourceRules = rules
    .filter((rule) => rule.resources?.length)
    .map((rule) => ({
      verbs: rule.verbs ?? [],
      apiGroups: list(rule.apiGroups),
      resources: list(rule.resources),
      resourceNames: list(rule.resourceNames),
    }));
  const nonResourceRules = rules
    .filter((rule) => rule.nonResourceURLs?.length)
    .map((rule) => ({ verbs: rule.verbs ?? [], nonResourceURLs: list(rule.nonResourceURLs) }));
  return {
    resourceRules,
    nonResourceRules,
    incomplete: errors.length > 0,
    ...(errors.length ? { evaluationError: aggregate(errors) } : {}),
  };
}
