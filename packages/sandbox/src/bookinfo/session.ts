import { createHmac, timingSafeEqual } from "node:crypto";

// productpage keeps the signed-in user in a signed cookie named "session" (HttpOnly, Path=/),
// like Flask's. Payload and signature are base64url; a tampered cookie reads as no session.

export const SESSION_COOKIE = "session";

const sign = (secret: Buffer, payload: string) =>
  createHmac("sha256", secret).update(payload).digest("base64url");

export function encodeSession(secret: Buffer, user: string): string {
  const payload = Buffer.from(JSON.stringify({ user })).toString("base64url");
  return `${payload}.${sign(secret, payload)}`;
}

export function decodeSession(secret: Buffer, value: string | undefined): { user?: string } {
  if (!value) return {};
  const dot = value.lastIndexOf(".");
  if (dot <= 0) return {};
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1));
  const expected = Buffer.from(sign(secret, payload));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return {};
  try {
    const parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { user?: unknown };
    return typeof parsed.user === "string" ? { user: parsed.user } : {};
  } catch {
    return {};
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name)
      return part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return undefined;
}

export const setSessionCookie = (value: string): string => `${SESSION_COOKIE}=${value}; HttpOnly; Path=/`;
export const clearSessionCookie = (): string =>
  `${SESSION_COOKIE}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/`;
