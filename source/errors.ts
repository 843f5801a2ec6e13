// The one error type every layer throws when the message is written for a person: one sentence
// saying what went wrong and what to do next. Anything else reaching the top is a bug.

export class ExplainedError extends Error {
  constructor(
    message: string,
    /** The process exit code when this ends a command. */
    readonly exitCode = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
