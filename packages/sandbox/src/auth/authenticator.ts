// Who a request is from. Bearer tokens are either one of the cluster's static tokens (the
// sandbox's own users, as in a token auth file) or a service account token; a request without
// credentials is anonymous, which this cluster accepts only on its health and version paths.
// Impersonate-* headers then replace the user, if the real one may `impersonate` that identity.

import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { requireAllowed } from "../api/authorization.ts";
import { StatusError, unauthorized } from "../api/status.ts";
import type { Store } from "../store/store.ts";
import { ServiceAccountTokens } from "./tokens.ts";
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS,
  serviceAccountGroups,
  serviceAccountUsername,
  splitServiceAccountUsername,
  type User,
} from "./user.ts";

/** A static token's user, before the API server adds system:authenticated. */
export interface StaticUser {
  name: string;
  uid?: string;
  groups: string[];
}

/** Paths anonymous requests may reach (AuthenticationConfiguration's anonymous.conditions). */
const ANONYMOUS_PATHS = new Set(["/version", "/healthz", "/readyz", "/livez"]);

const withAuthenticated = (user: User): User =>
  user.groups.includes(ALL_AUTHENTICATED) ? user : { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };

export class Authenticator {
  constructor(
    private readonly store: Store,
    private readonly staticTokens: ReadonlyMap<string, StaticUser>,
  ) {}

  /** The user a request acts as, or the 401/403 the API server answers instead. */
  identify(req: IncomingMessage, path: string): User {
    const user = this.authenticate(req.headers.authorization, path);
    return impersonated(user, req.headersDistinct, this.store);
  }

  authenticate(authorization: string | undefined, path: string): User {
    if (authorization === undefined) {
      if (!ANONYMOUS_PATHS.has(path)) throw unauthorized();
      return { name: ANONYMOUS, groups: [ALL_UNAUTHENTICATED] };
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const token = match?.[1];
    if (!token) throw unauthorized();
    const known = this.staticTokens.get(token);
    if (known) return withAuthenticated({ ...known, groups: [...known.groups] });
    const account = ServiceAccountTokens.of(this.store).authenticate(token);
    if (account) return withAuthenticated(account);
    throw unauthorized();
  }
}

const IMPERSONATE_USER = "impersonate-user";
const IMPERSONATE_GROUP = "impersonate-group";
const IMPERSONATE_UID = "impersonate-uid";
const IMPERSONATE_EXTRA = "impersonate-extra-";

interface Impersonation {
  kind: "User" | "ServiceAccount" | "Group" | "UserExtra" | "UID";
  name: string;
  namespace?: string;
  extraKey?: string;
}

function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** What the Impersonate-* headers ask for, one entry per header value, as the API server lists them. */
function impersonationRequests(headers: NodeJS.Dict<string[]>): Impersonation[] {
  const requests: Impersonation[] = [];
  const user = headers[IMPERSONATE_USER]?.[0] ?? "";
  if (user) {
    const account = splitServiceAccountUsername(user);
    requests.push(account ? { kind: "ServiceAccount", ...account } : { kind: "User", name: user });
  }
  for (const group of headers[IMPERSONATE_GROUP] ?? []) requests.push({ kind: "Group", name: group });
  for (const [header, values] of Object.entries(headers)) {
    if (!header.startsWith(IMPERSONATE_EXTRA)) continue;
    const extraKey = unescapeExtraKey(header.slice(IMPERSONATE_EXTRA.length).toLowerCase());
    for (const value of values ?? []) requests.push({ kind: "UserExtra", name: value, extraKey });
  }
  const uid = headers[IMPERSONATE_UID]?.[0] ?? "";
  if (uid) requests.push({ kind: "UID", name: uid });
  if (!user && requests.length) {
    const listed = requests.map((r) => `{${r.kind} ${r.name}}`).join(" ");
    throw new StatusError(
      500,
      "InternalError",
      `Internal error occurred: requested [${listed}] without impersonating a user`,
    );
  }
  return requests;
}

function impersonated(
  requestor: User,
  headers: IncomingHttpHeaders | NodeJS.Dict<string[]>,
  store: Store,
): User {
  const requests = impersonationRequests(headers as NodeJS.Dict<string[]>);
  if (!requests.length) return requestor;
  let name = "";
  let uid: string | undefined;
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  const groupsSpecified = requests.some((r) => r.kind === "Group");
  for (const request of requests) {
    const attributes = {
      user: requestor,
      verb: "impersonate",
      resourceRequest: true,
      apiGroup: "",
      resource: "",
      subresource: "",
      namespace: request.namespace ?? "",
      name: request.name,
      path: "",
    };
    switch (request.kind) {
      case "ServiceAccount":
        attributes.resource = "serviceaccounts";
        name = serviceAccountUsername(request.namespace ?? "", request.name);
        if (!groupsSpecified) groups = serviceAccountGroups(request.namespace ?? "");
        break;
      case "User":
        attributes.resource = "users";
        name = request.name;
        break;
      case "Group":
        attributes.resource = "groups";
        groups.push(request.name);
        break;
      case "UserExtra":
        attributes.apiGroup = "authentication.k8s.io";
        attributes.resource = "userextras";
        attributes.subresource = request.extraKey ?? "";
        extra[request.extraKey ?? ""] = [...(extra[request.extraKey ?? ""] ?? []), request.name];
        break;
      case "UID":
        attributes.apiGroup = "authentication.k8s.io";
        attributes.resource = "uids";
        uid = request.name;
        break;
    }
    requireAllowed(attributes, store);
  }
  if (name !== ANONYMOUS) {
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED))
      groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  return { name, ...(uid ? { uid } : {}), groups, ...(Object.keys(extra).length ? { extra } : {}) };
}
