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
