// The cookies of one sampler stream, as a browser keeps them for one site: productpage's signed
// `session` cookie, set by POST /login, is what makes its pages (and its calls downstream) be
// jason's. Domain and path are not told apart: a stream talks to one GATEWAY_URL, under "/".

export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the Set-Cookie headers of a response: new values replace old ones, expired ones go. */
  store(setCookie: string | string[] | undefined, now = Date.now()): void {
    for (const line of typeof setCookie === "string" ? [setCookie] : (setCookie ?? [])) {
      const [pair = "", ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (expired(attributes, now) || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.#cookies.has(name);
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  clear(): void {
    this.#cookies.clear();
  }
}

function expired(attributes: string[], now: number): boolean {
  for (const attribute of attributes) {
    const [key = "", ...rest] = attribute.split("=");
    const value = rest.join("=").trim();
    const name = key.trim().toLowerCase();
    if (name === "max-age" && Number(value) <= 0) return true;
    if (name === "expires") {
      const at = Date.parse(value);
      if (Number.isFinite(at) && at <= now) return true;
    }
  }
  return false;
}
