import { ExplainedError } from "../errors.ts";

/** A failure the user can act on: printed as one sentence, never as a stack trace. */
export class UserError extends ExplainedError {}

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130, terminated: 143, hangup: 129 } as const;
