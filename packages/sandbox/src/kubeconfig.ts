import { dump } from "js-yaml";

export const SANDBOX_CONTEXT = "bookinfo-sandbox";
export const VIEWER_CONTEXT = "bookinfo-sandbox-viewer";
export const WORKSHOP_CONTEXT = "bookinfo-sandbox-workshop";

export interface KubeconfigInput {
  server: string;
  caPem: string;
  adminToken: string;
  viewerToken: string;
  workshopToken: string;
  /** The workshop user's namespace, which its context always names. */
  workshopNamespace: string;
  namespace?: string;
}

/** A kubeconfig any client can use: CA data inline, TLS verification on, bearer tokens. */
export function sandboxKubeconfig(input: KubeconfigInput): string {
  const cluster = "bookinfo-sandbox";
  const context = (name: string, user: string) => ({
    name,
    context: { cluster, user, ...(input.namespace ? { namespace: input.namespace } : {}) },
  });
  return dump({
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    "current-context": SANDBOX_CONTEXT,
    clusters: [
      {
        name: cluster,
        cluster: {
          server: input.server,
          "certificate-authority-data": Buffer.from(input.caPem).toString("base64"),
        },
      },
    ],
    users: [
      { name: "bookinfo-admin", user: { token: input.adminToken } },
      { name: "bookinfo-viewer", user: { token: input.viewerToken } },
      { name: "bookinfo-workshop", user: { token: input.workshopToken } },
    ],
    contexts: [
      context(SANDBOX_CONTEXT, "bookinfo-admin"),
      context(VIEWER_CONTEXT, "bookinfo-viewer"),
      {
        name: WORKSHOP_CONTEXT,
        context: { cluster, user: "bookinfo-workshop", namespace: input.workshopNamespace },
      },
    ],
  });
}
