// Helpers for tests that drive a sandbox the way users do: the real kubectl, HTTPS requests with
// the sandbox's CA, and waits on the store instead of sleeps.

export * from "./api.ts";
export * from "./gatewayApi.ts";
export * from "./kubectl.ts";
export * from "./sandbox.ts";
export * from "./tutorial.ts";
