// The user a write is made for, where the API server keeps it: in the request's context. Writes
// a client asked for carry it; writes controllers make on their own do not, even when a client's
// request set them off (a controller's work runs after that request's handling has ended).

import { AsyncLocalStorage } from "node:async_hooks";
import type { User } from "./user.ts";

interface Scope {
  user: User;
  active: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();

/** Runs one request's handling with `user` as the requesting user. */
export async function asUser<T>(user: User, handle: () => Promise<T>): Promise<T> {
  const scope: Scope = { user, active: true };
  return scopes.run(scope, async () => {
    try {
      return await handle();
    } finally {
      scope.active = false;
    }
  });
}

/** Who asked for the write under way, or undefined when nobody did (controllers, the seed). */
export function requestingUser(): User | undefined {
  const scope = scopes.getStore();
  return scope?.active ? scope.user : undefined;
}
