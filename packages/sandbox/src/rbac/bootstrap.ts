// The RBAC objects a new cluster starts with: the API server's default ClusterRoles and
// ClusterRoleBindings that matter to a workshop (the user-facing admin, edit and view, built by
// aggregation, and what every authenticated user may ask: discovery, version, its own rights),
// with the rules of Kubernetes' bootstrap policy.

import { RBAC_GROUP } from "./kinds.ts";
import type { BindingObject, PolicyRule, RoleObject, Subject } from "./policy.ts";

export const AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
export const AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
export const AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
});
const paths = (nonResourceURLs: string[], verbs = ["get"]): PolicyRule => ({ nonResourceURLs, verbs });

const bootstrapMeta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels },
  annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
});

function clusterRole(name: string, rules: PolicyRule[], labels?: Record<string, string>): RoleObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "ClusterRole",
    metadata: bootstrapMeta(name, labels),
    rules,
  };
}

function aggregatedRole(name: string, selectLabel: string, labels?: Record<string, string>): RoleObject {
  return {
    ...clusterRole(name, [], labels),
    rules: null,
    aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [selectLabel]: "true" } }] },
  };
}

const group = (name: string): Subject => ({ kind: "Group", apiGroup: RBAC_GROUP, name });

function clusterRoleBinding(name: string, subjects: Subject[], role = name): BindingObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "ClusterRoleBinding",
    metadata: bootstrapMeta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role },
    subjects,
  };
}

const aggregateToView: PolicyRule[] = [
  rule(
    [""],
    [
      "configmaps",
      "endpoints",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
      "pods",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "serviceaccounts",
      "services",
      "services/status",
    ],
    READ,
  ),
  rule(
    [""],
    [
      "bindings",
      "events",
      "limitranges",
      "namespaces/status",
      "pods/log",
      "pods/status",
      "replicationcontrollers/status",
      "resourcequotas",
      "resourcequotas/status",
    ],
    READ,
  ),
  rule([""], ["namespaces"], READ),
  rule(["discovery.k8s.io"], ["endpointslices"], READ),
  rule(
    ["apps"],
    [
      "controllerrevisions",
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "statefulsets",
      "statefulsets/scale",
      "statefulsets/status",
    ],
    READ,
  ),
  rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ),
  rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], READ),
  rule(
    ["extensions"],
    [
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "ingresses",
      "ingresses/status",
      "networkpolicies",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "replicationcontrollers/scale",
    ],
    READ,
  ),
  rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
  rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], READ),
];

const aggregateToEdit: PolicyRule[] = [
  rule(
    [""],
    ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"],
    READ,
  ),
  rule([""], ["serviceaccounts"], ["impersonate"]),
  rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], WRITE),
  rule([""], ["pods/eviction"], ["create"]),
  rule(
    [""],
    [
      "configmaps",
      "events",
      "persistentvolumeclaims",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "secrets",
      "serviceaccounts",
      "services",
      "services/proxy",
    ],
    WRITE,
  ),
  rule([""], ["serviceaccounts/token"], ["create"]),
  rule(
    ["apps"],
    [
      "daemonsets",
      "deployments",
      "deployments/rollback",
      "deployments/scale",
      "replicasets",
      "replicasets/scale",
      "statefulsets",
      "statefulsets/scale",
    ],
    WRITE,
  ),
  rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE),
  rule(["batch"], ["cronjobs", "jobs"], WRITE),
  rule(
    ["extensions"],
    [
      "daemonsets",
      "deployments",
      "deployments/rollback",
      "deployments/scale",
      "ingresses",
      "networkpolicies",
      "replicasets",
      "replicasets/scale",
      "replicationcontrollers/scale",
    ],
    WRITE,
  ),
  rule(["policy"], ["poddisruptionbudgets"], WRITE),
  rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], WRITE),
  rule(["coordination.k8s.io"], ["leases"], ALL),
];

const aggregateToAdmin: PolicyRule[] = [
  rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
  rule([RBAC_GROUP], ["rolebindings", "roles"], ALL),
];

/** Kubernetes' default ClusterRoles (those a workshop meets), before aggregation fills admin, edit and view. */
export function defaultClusterRoles(): RoleObject[] {
  return [
    aggregatedRole("admin", AGGREGATE_TO_ADMIN),
    clusterRole("cluster-admin", [rule(["*"], ["*"], ["*"]), paths(["*"], ["*"])]),
    aggregatedRole("edit", AGGREGATE_TO_EDIT, { [AGGREGATE_TO_ADMIN]: "true" }),
    clusterRole("system:aggregate-to-admin", aggregateToAdmin, { [AGGREGATE_TO_ADMIN]: "true" }),
    clusterRole("system:aggregate-to-edit", aggregateToEdit, { [AGGREGATE_TO_EDIT]: "true" }),
    clusterRole("system:aggregate-to-view", aggregateToView, { [AGGREGATE_TO_VIEW]: "true" }),
    clusterRole("system:auth-delegator", [
      rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
      rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
    ]),
    clusterRole("system:basic-user", [
      rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
      rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
    ]),
    clusterRole("system:discovery", [
      paths([
        "/api",
        "/api/*",
        "/apis",
        "/apis/*",
        "/healthz",
        "/livez",
        "/openapi",
        "/openapi/*",
        "/readyz",
        "/version",
        "/version/",
      ]),
    ]),
    clusterRole("system:monitoring", [
      paths([
        "/healthz",
        "/healthz/*",
        "/livez",
        "/livez/*",
        "/metrics",
        "/metrics/slis",
        "/readyz",
        "/readyz/*",
      ]),
    ]),
    clusterRole("system:public-info-viewer", [
      paths(["/healthz", "/livez", "/readyz", "/version", "/version/"]),
    ]),
    clusterRole("system:service-account-issuer-discovery", [
      paths(["/.well-known/openid-configuration", "/openid/v1/jwks"]),
    ]),
    aggregatedRole("view", AGGREGATE_TO_VIEW, { [AGGREGATE_TO_EDIT]: "true" }),
  ];
}

export function defaultClusterRoleBindings(): BindingObject[] {
  return [
    clusterRoleBinding("cluster-admin", [group("system:masters")]),
    clusterRoleBinding("system:basic-user", [group("system:authenticated")]),
    clusterRoleBinding("system:discovery", [group("system:authenticated")]),
    clusterRoleBinding("system:monitoring", [group("system:monitoring")]),
    clusterRoleBinding("system:public-info-viewer", [
      group("system:authenticated"),
      group("system:unauthenticated"),
    ]),
    clusterRoleBinding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
  ];
}

const ISTIO_GROUPS = [
  "networking.istio.io",
  "security.istio.io",
  "telemetry.istio.io",
  "extensions.istio.io",
];

/**
 * The user-facing roles of Istio's base chart, labelled to aggregate into view, edit and admin,
 * so that whoever may edit a namespace may also route its traffic.
 */
export function istioClusterRoles(): RoleObject[] {
  const labels = { app: "istio", release: "istio", "app.kubernetes.io/name": "istio" };
  const role = (name: string, verbs: string[], aggregateTo: string[]): RoleObject => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "ClusterRole",
    metadata: {
      name,
      labels: { ...labels, ...Object.fromEntries(aggregateTo.map((label) => [label, "true"])) },
    },
    rules: [rule(ISTIO_GROUPS, ["*"], verbs)],
  });
  return [
    role(
      "istio-edit",
      ["create", "update", "patch", "delete", "deletecollection"],
      [AGGREGATE_TO_ADMIN, AGGREGATE_TO_EDIT],
    ),
    role("istio-view", READ, [AGGREGATE_TO_ADMIN, AGGREGATE_TO_EDIT, AGGREGATE_TO_VIEW]),
  ];
}

/**
 * The same for the Kubernetes Gateway API, whose routes the tutorial's second dialect writes:
 * read access aggregates into view, write access into edit and admin.
 */
export function gatewayApiClusterRoles(): RoleObject[] {
  const role = (name: string, verbs: string[], aggregateTo: string[]): RoleObject => ({
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: "ClusterRole",
    metadata: {
      name,
      labels: Object.fromEntries(aggregateTo.map((label) => [label, "true"])),
    },
    rules: [rule(["gateway.networking.k8s.io"], ["*"], verbs)],
  });
  return [
    role("gateway-api-edit", WRITE, [AGGREGATE_TO_ADMIN, AGGREGATE_TO_EDIT]),
    role("gateway-api-view", READ, [AGGREGATE_TO_VIEW]),
  ];
}
