import { Agent, request } from "node:https";
import { performance } from "node:perf_hooks";
import { decide } from "../src/api/authorization.ts";
import { findResource, type ResourceType } from "../src/api/resources.ts";
import { serviceAccountGroups } from "../src/auth/user.ts";
import { CLUSTER_ROLE_BINDINGS, RBAC_GROUP, ROLE_BINDINGS } from "../src/rbac/kinds.ts";
import type { Attributes } from "../src/rbac/rules.ts";
import { type Sandbox, startSandbox } from "../src/sandbox.ts";
import { caOf } from "../testing/api.ts";

// What authorization costs as a room grows. In process: one RBAC decision for an attendee with
// 50 attendees' namespaces, ServiceAccounts and RoleBindings in the cluster, and with 2,000
// (plus as many unrelated ClusterRoleBindings); bindings are indexed by subject, so the ratio
// should stay near 1. Over HTTPS: a GET of one object with an attendee's ServiceAccount token
// (JWT verification and RBAC) next to the same GET with the admin's static token.
//
//   npx tsx bench/rbac.ts [--decisions 20000] [--requests 300]

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const DECISIONS = option("decisions", 20_000);
const REQUESTS = option("requests", 300);

const NAMESPACES = findResource("", "v1", "namespaces") as ResourceType;
const SERVICE_ACCOUNTS = findResource("", "v1", "serviceaccounts") as ResourceType;

function addAttendees(sandbox: Sandbox, from: number, to: number): void {
  const { objects } = sandbox;
  for (let i = from; i < to; i++) {
    const namespace = `attendee-${i}`;
    objects.create(
      NAMESPACES,
      undefined,
      { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } },
      {
        manager: "bench",
      },
    );
    objects.create(SERVICE_ACCOUNTS, namespace, { metadata: { name: "attendee" } }, { manager: "bench" });
    objects.create(
      ROLE_BINDINGS,
      namespace,
      {
        metadata: { name: "attendee" },
        roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "admin" },
        subjects: [{ kind: "ServiceAccount", name: "attendee", namespace }],
      },
      { manager: "bench" },
    );
    objects.create(
      CLUSTER_ROLE_BINDINGS,
      undefined,
      {
        metadata: { name: `reader-${i}` },
        roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "User", apiGroup: RBAC_GROUP, name: `reader-${i}` }],
      },
      { manager: "bench" },
    );
  }
}

function attendee(i: number, verb: string, namespace: string): Attributes {
  return {
    user: {
      name: `system:serviceaccount:attendee-${i}:attendee`,
      groups: [...serviceAccountGroups(`attendee-${i}`), "system:authenticated"],
    },
    verb,
    resourceRequest: true,
    apiGroup: "apps",
    resource: "deployments",
    subresource: "",
    namespace,
    name: "",
    path: "",
  };
}

/** Microseconds per decision, alternating an allowed and a denied one. */
function timeDecisions(sandbox: Sandbox, rooms: number): number {
  const allowed = attendee(7, "create", "attendee-7");
  const denied = attendee(7, "create", `attendee-${rooms - 1}`);
  if (!decide(allowed, sandbox.store).allowed || decide(denied, sandbox.store).allowed)
    throw new Error("the attendee's rights are not what the benchmark expects");
  const started = performance.now();
  for (let i = 0; i < DECISIONS; i++) decide(i % 2 ? denied : allowed, sandbox.store);
  return ((performance.now() - started) * 1000) / DECISIONS;
}

function get(sandbox: Sandbox, agent: Agent, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${sandbox.server}${path}`, {
      agent,
      ca: caOf(sandbox),
      headers: { Authorization: `Bearer ${token}` },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function latencies(
  sandbox: Sandbox,
  path: string,
  token: string,
): Promise<{ p50: number; p95: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < REQUESTS + 20; i++) {
    const started = performance.now();
    const status = await get(sandbox, agent, path, token);
    if (status !== 200) throw new Error(`GET ${path} answered ${status}`);
    if (i >= 20) times.push(performance.now() - started);
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

async function tokenFor(sandbox: Sandbox, namespace: string): Promise<string> {
  const res = await new Promise<string>((resolve, reject) => {
    const req = request(`${sandbox.server}/api/v1/namespaces/${namespace}/serviceaccounts/attendee/token`, {
      method: "POST",
      ca: caOf(sandbox),
      headers: { Authorization: `Bearer ${sandbox.adminToken}`, "Content-Type": "application/json" },
    });
    req.on("response", (r) => {
      let text = "";
      r.setEncoding("utf8");
      r.on("data", (d) => {
        text += d;
      });
      r.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: {} }));
  });
  return JSON.parse(res).status.token;
}

/** Waits until the controllers are done with the new namespaces (their default ServiceAccounts). */
async function quiet(sandbox: Sandbox): Promise<void> {
  let last = -1;
  while (sandbox.store.revision !== last) {
    last = sandbox.store.revision;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

const sandbox = await startSandbox({ speed: 50 });
try {
  addAttendees(sandbox, 0, 50);
  await quiet(sandbox);
  const small = timeDecisions(sandbox, 50);
  const path = "/api/v1/namespaces/attendee-7/serviceaccounts/attendee";
  const token = await tokenFor(sandbox, "attendee-7");
  // Once each to warm up, then measured.
  await latencies(sandbox, path, sandbox.adminToken);
  await latencies(sandbox, path, token);
  const asAdmin = await latencies(sandbox, path, sandbox.adminToken);
  const asAttendee = await latencies(sandbox, path, token);
  addAttendees(sandbox, 50, 2000);
  await quiet(sandbox);
  const large = timeDecisions(sandbox, 2000);
  const asAttendeeLarge = await latencies(sandbox, path, token);

  const us = (n: number) => `${n.toFixed(2)} µs`;
  const ms = (n: number) => `${n.toFixed(2)} ms`;
  console.log(`RBAC decision, 50 attendees:      ${us(small)}`);
  console.log(`RBAC decision, 2,000 attendees:   ${us(large)}   (x${(large / small).toFixed(2)})`);
  console.log(`GET ${path}, ${REQUESTS} requests on one keep-alive connection, p50 / p95:`);
  console.log(`  admin static token, 50 attendees:      ${ms(asAdmin.p50)} / ${ms(asAdmin.p95)}`);
  console.log(`  attendee SA token, 50 attendees:       ${ms(asAttendee.p50)} / ${ms(asAttendee.p95)}`);
  console.log(
    `  attendee SA token, 2,000 attendees:    ${ms(asAttendeeLarge.p50)} / ${ms(asAttendeeLarge.p95)}`,
  );
} finally {
  await sandbox.stop();
}
