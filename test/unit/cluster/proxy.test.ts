import assert from "node:assert/strict";
import { test } from "node:test";
import { proxyFor } from "../../../source/cluster/proxy.ts";

const proxied = (server: string, env: Record<string, string>, proxyUrl?: string) =>
  proxyFor(server, proxyUrl, "ctx", env)?.url;
const PROXY = "http://proxy.corp:3128";

test("the kubeconfig's proxy-url wins over the environment", () => {
  assert.equal(
    proxied("https://10.0.0.1:6443", { HTTPS_PROXY: PROXY }, "http://other:8080"),
    "http://other:8080",
  );
});

test("HTTPS_PROXY for https servers, HTTP_PROXY for http ones, lower case too", () => {
  assert.equal(proxied("https://k8s.example.com", { HTTPS_PROXY: PROXY }), PROXY);
  assert.equal(proxied("https://k8s.example.com", { https_proxy: PROXY }), PROXY);
  assert.equal(proxied("https://k8s.example.com", { HTTP_PROXY: PROXY }), undefined);
  assert.equal(proxied("http://k8s.example.com", { HTTP_PROXY: PROXY }), PROXY);
});

test("never for localhost or loopback addresses", () => {
  for (const server of [
    "https://localhost:6443",
    "https://127.0.0.1:6443",
    "https://127.1.2.3",
    "https://[::1]:6443",
  ])
    assert.equal(proxied(server, { HTTPS_PROXY: PROXY }), undefined, server);
});

test("NO_PROXY: names, domain suffixes, wildcards, IPs, CIDRs and ports as Go reads them", () => {
  const env = (noProxy: string) => ({ HTTPS_PROXY: PROXY, NO_PROXY: noProxy });
  assert.equal(proxied("https://api.corp.example:6443", env("corp.example")), undefined);
  assert.equal(proxied("https://api.corp.example:6443", env(".corp.example")), undefined);
  assert.equal(proxied("https://api.corp.example:6443", env("*.corp.example")), undefined);
  assert.equal(proxied("https://notcorp.example:6443", env("corp.example")), PROXY);
  assert.equal(proxied("https://k8s.example.com", env("*")), undefined);
  assert.equal(proxied("https://10.1.2.3:6443", env("10.0.0.0/8")), undefined);
  assert.equal(proxied("https://11.1.2.3:6443", env("10.0.0.0/8")), PROXY);
  assert.equal(proxied("https://10.1.2.3:6443", env(" 192.168.0.1 , 10.1.2.3")), undefined);
  assert.equal(proxied("https://k8s.example.com:6443", env("k8s.example.com:443")), PROXY);
  assert.equal(proxied("https://k8s.example.com:6443", env("k8s.example.com:6443")), undefined);
  assert.equal(
    proxied("https://k8s.example.com", { HTTPS_PROXY: PROXY, no_proxy: "example.com" }),
    undefined,
  );
});

test("NO_PROXY's .name and *.name match subdomains only, a bare name the name itself too (Go's rule)", () => {
  const env = (noProxy: string) => ({ HTTPS_PROXY: PROXY, NO_PROXY: noProxy });
  assert.equal(proxied("https://corp.example:6443", env(".corp.example")), PROXY);
  assert.equal(proxied("https://corp.example:6443", env("*.corp.example")), PROXY);
  assert.equal(proxied("https://corp.example:6443", env("corp.example")), undefined);
  assert.equal(proxied("https://api.corp.example:6443", env(".corp.example:6443")), undefined);
  // Names never match addresses, and addresses match only themselves.
  assert.equal(proxied("https://10.1.2.3", env("1.2.3")), PROXY);
  assert.equal(proxied("https://[fd00::1]:6443", env("fd00::1")), undefined);
  assert.equal(proxied("https://[fd00::1]:6443", env("[fd00::1]:443")), PROXY);
  // An empty NO_PROXY gives way to no_proxy, as Go's getenv of the first non-empty one does.
  assert.equal(
    proxied("https://k8s.example.com", { HTTPS_PROXY: PROXY, NO_PROXY: "", no_proxy: "*" }),
    undefined,
  );
});

test("a proxy in the environment without a scheme is an http proxy", () => {
  assert.equal(
    proxied("https://k8s.example.com", { HTTPS_PROXY: "proxy.corp:3128" }),
    "http://proxy.corp:3128",
  );
  assert.equal(
    proxied("https://k8s.example.com", { HTTPS_PROXY: "https://proxy.corp" }),
    "https://proxy.corp",
  );
});

test("messages name a proxy without its password", () => {
  const from = (env: Record<string, string>, proxyUrl?: string) =>
    proxyFor("https://k8s.example.com", proxyUrl, "ctx", env)?.from;
  assert.equal(
    from({}, "http://ann:s3cr%40t@proxy.corp:3128"),
    'the proxy-url http://ann:xxxxx@proxy.corp:3128 of context "ctx"',
  );
  assert.equal(
    from({ HTTPS_PROXY: "http://ann:p@ss@proxy.corp" }),
    "HTTPS_PROXY http://ann:xxxxx@proxy.corp",
  );
  assert.equal(from({ HTTPS_PROXY: "http://ann@proxy.corp" }), "HTTPS_PROXY http://ann@proxy.corp");
});
