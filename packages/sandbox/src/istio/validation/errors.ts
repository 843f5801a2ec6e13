// Istio's validation collects errors the way hashicorp/go-multierror does, and its webhook prints
// the result: one error alone as its message, several (or one appended to nothing with
// multierror.Append) as "N errors occurred:\n\t* ...\n\n".

export interface Errors {
  messages: string[];
  /** Whether the value is a multierror (and prints as a list even with one entry). */
  multi: boolean;
}

export const none = (): Errors => ({ messages: [], multi: false });
export const error = (message: string): Errors => ({ messages: [message], multi: false });

/** appendErrors / AppendValidation: nothing plus x is x; anything else becomes a flat list. */
export function append(target: Errors, ...more: (Errors | string | undefined)[]): Errors {
  for (const item of more) {
    if (item === undefined) continue;
    const next = typeof item === "string" ? error(item) : item;
    if (next.messages.length === 0) continue;
    if (target.messages.length === 0) {
      target.messages = [...next.messages];
      target.multi = next.multi;
    } else {
      target.messages.push(...next.messages);
      target.multi = true;
    }
  }
  return target;
}

/** multierror.Append: always a multierror, even from nothing. */
export function appendMulti(target: Errors, message: string): Errors {
  target.messages.push(message);
  target.multi = true;
  return target;
}

export function render(errors: Errors): string {
  const { messages } = errors;
  if (!errors.multi && messages.length === 1) return messages[0] ?? "";
  const count = messages.length === 1 ? "1 error occurred" : `${messages.length} errors occurred`;
  return `${count}:\n\t${messages.map((m) => `* ${m}`).join("\n\t")}\n\n`;
}
