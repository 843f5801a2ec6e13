import assert from "node:assert/strict";
import type http from "node:http";
import { afterEach, describe, test } from "node:test";
import { CookieJar } from "../../../source/traffic/cookieJar.ts";
import { Sampler } from "../../../source/traffic/sampler.ts";
import { type LocalServer, startServer } from "./localServer.ts";

// The jason stream signs in the way productpage's form does and keeps the session cookie in a
// jar of its own, so that productpage, not the sampler, sets `end-user` downstream.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A productpage stand-in: POST /login sets a session; pages say who is signed in. */
function productpage(
  options: { forget?: () => boolean } = {},
): http.RequestListener & { logins: string[]; cookies: (string | undefined)[] } {
  const logins: string[] = [];
  const cookies: (string | undefined)[] = [];
  let issued = 0;
  const handler = ((request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.method === "POST" && request.url === "/login") {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        logins.push(`${request.headers["content-type"]} ${body}`);
        issued++;
        response.writeHead(302, {
          location: "/productpage",
          "set-cookie": `session=signed-${new URLSearchParams(body).get("username")}-${issued}; HttpOnly; Path=/`,
        });
        response.end();
      });
      return;
    }
    cookies.push(request.headers.cookie);
    const session = /session=signed-(\w+)-(\d+)/.exec(request.headers.cookie ?? "");
    const lost = session && options.forget?.();
    const nav =
      session && !lost
        ? `<span>${session[1]}</span> <a href="logout">Sign out</a>`
        : "<button>Sign in</button>";
    response.writeHead(200, { "content-type": "text/html" });
    response.end(
      `<html><title>Simple Bookstore App</title>${nav}<h4>Book Reviews</h4><p>Reviews served by: reviews-v2-abc-12345</p></html>`,
    );
  }) as http.RequestListener & { logins: string[]; cookies: (string | undefined)[] };
  handler.logins = logins;
  handler.cookies = cookies;
  return handler;
}

async function serve(handler: http.RequestListener): Promise<LocalServer> {
  const local = await startServer(handler);
  cleanups.push(() => local.close());
  return local;
}

describe("a signed-in stream", () => {
  test("signs in once with the form field username, then sends the session with every page", async () => {
    const app = productpage();
    const local = await serve(app);
    const sampler = new Sampler({ url: local.url, stream: "jason", user: "jason", concurrency: 3 });
    cleanups.push(() => sampler.stop());
    const samples = await sampler.burst(6);
    assert.deepEqual(
      app.logins,
      ["application/x-www-form-urlencoded username=jason&passwd="],
      "one sign-in, shared",
    );
    assert.equal(samples.length, 6);
    for (const sample of samples) {
      assert.equal(sample.stream, "jason");
      assert.equal(sample.signedIn, true);
      assert.equal(sample.version, "v2");
    }
    assert.ok(
      app.cookies.every((c) => c === "session=signed-jason-1"),
      app.cookies.join(),
    );
  });

  test("signs in again when a page shows the session was lost, and says so on that page", async () => {
    // The first page forgets the session, as a restarted productpage with a new secret would.
    let pagesServed = 0;
    const app = productpage({ forget: () => pagesServed++ === 0 });
    const local = await serve(app);
    const sampler = new Sampler({ url: local.url, stream: "jason", user: "jason", concurrency: 1 });
    cleanups.push(() => sampler.stop());
    const [lost, next] = await sampler.burst(2);
    assert.equal(lost!.signedIn, false);
    assert.equal(next!.signedIn, true);
    assert.equal(app.logins.length, 2);
  });

  test("the anonymous stream sends no cookie and carries its name", async () => {
    const app = productpage();
    const local = await serve(app);
    const sampler = new Sampler({ url: local.url, stream: "anonymous" });
    cleanups.push(() => sampler.stop());
    const [sample] = await sampler.burst(1);
    assert.equal(sample!.stream, "anonymous");
    assert.equal(sample!.signedIn, undefined);
    assert.deepEqual(app.cookies, [undefined]);
    assert.deepEqual(app.logins, []);
  });

  test("a sign-in the gateway refuses is that stream's sample, as the page would be", async () => {
    const local = await serve(productpage());
    const url = local.url;
    await local.close();
    const sampler = new Sampler({ url, stream: "jason", user: "jason", timeoutMs: 2000 });
    cleanups.push(() => sampler.stop());
    const [sample] = await sampler.burst(1);
    assert.equal(sample!.stream, "jason");
    assert.equal(sample!.error, "refused");
  });
});

describe("the cookie jar", () => {
  test("keeps the latest value of each cookie and drops expired ones", () => {
    const jar = new CookieJar();
    assert.equal(jar.header(), undefined);
    jar.store(["session=a; HttpOnly; Path=/", "theme=dark"]);
    jar.store("session=b; Path=/");
    assert.equal(jar.header(), "session=b; theme=dark");
    jar.store("theme=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");
    assert.equal(jar.header(), "session=b");
    jar.store("session=gone; Max-Age=0");
    assert.equal(jar.has("session"), false);
  });
});
