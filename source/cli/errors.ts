/** A failure the user can act on: printed as one sentence, never as a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
