// Field tables for the Kubernetes protobuf messages the sandbox decodes. Numbers come from the generated.proto
// files of k8s.io/api (core/v1, apps/v1) and k8s.io/apimachinery (meta/v1, intstr, resource).
//
// The JSON rules follow the Go types, because the decoder must produce what kubectl would have sent as JSON.
// Go's protobuf marshaller writes every non-pointer field, zero or not, but a pointer field only when it is set.
// encoding/json drops zero scalars tagged omitempty. So a zero scalar on the wire is dropped unless the field is
// marked KEEP: either a Go pointer (a zero that was sent is meaningful: replicas: 0, immutable: false) or a field
// whose json tag has no omitempty (port, containerPort, name, key...). Messages present on the wire always
// appear, empty or not, because omitempty never drops a struct.

export type ScalarType = "string" | "int32" | "int64" | "bool";

/** Types whose JSON form differs from their wire form. */
export type SpecialType =
  | "intOrString" // intstr.IntOrString {type=1, intVal=2, strVal=3}: a JSON number or string
  | "quantity" // resource.Quantity {string=1}: a JSON string
  | "time" // meta.v1.Time {seconds=1, nanos=2}: an RFC 3339 string
  | "rawJSON" // meta.v1.FieldsV1 {Raw=1}: bytes that already are JSON
  | "stringMap"
  | "bytesMap" // map<string, bytes>: base64 values, as Go marshals []byte
  | "quantityMap";

export interface MessageSchema {
  name: string;
  fields: Readonly<Record<number, Field>>;
}

export interface Field {
  json: string;
  type: ScalarType | SpecialType | MessageSchema;
  repeated?: boolean;
  keep?: boolean;
  /** Go embeds the struct with `json:",inline"`, so its fields land in the parent object. */
  inline?: boolean;
}

type Options = Pick<Field, "repeated" | "keep" | "inline">;

const KEEP: Options = { keep: true };
const LIST: Options = { repeated: true };
const INLINE: Options = { inline: true };

const field = (json: string, type: Field["type"], options: Options = {}): Field => ({
  json,
  type,
  ...options,
});
const str = (json: string, options?: Options) => field(json, "string", options);
const strs = (json: string) => field(json, "string", LIST);
const i32 = (json: string, options?: Options) => field(json, "int32", options);
const i64 = (json: string, options?: Options) => field(json, "int64", options);
const bool = (json: string, options?: Options) => field(json, "bool", options);
const msg = (json: string, schema: MessageSchema, options?: Options) => field(json, schema, options);
const msgs = (json: string, schema: MessageSchema) => field(json, schema, LIST);
const stringMap = (json: string) => field(json, "stringMap");
const quantityMap = (json: string) => field(json, "quantityMap");
const intOrString = (json: string) => field(json, "intOrString");
const time = (json: string) => field(json, "time");

const message = (name: string, fields: Record<number, Field>): MessageSchema => ({ name, fields });

// ---- meta/v1 ----

const OwnerReference = message("OwnerReference", {
  5: str("apiVersion", KEEP),
  1: str("kind", KEEP),
  3: str("name", KEEP),
  4: str("uid", KEEP),
  6: bool("controller", KEEP),
  7: bool("blockOwnerDeletion", KEEP),
});

const ManagedFieldsEntry = message("ManagedFieldsEntry", {
  1: str("manager"),
  2: str("operation"),
  3: str("apiVersion"),
  4: time("time"),
  6: str("fieldsType"),
  7: field("fieldsV1", "rawJSON"),
  8: str("subresource"),
});

export const ObjectMeta = message("ObjectMeta", {
  1: str("name"),
  2: str("generateName"),
  3: str("namespace"),
  4: str("selfLink"),
  5: str("uid"),
  6: str("resourceVersion"),
  7: i64("generation"),
  8: time("creationTimestamp"),
  9: time("deletionTimestamp"),
  10: i64("deletionGracePeriodSeconds", KEEP),
  11: stringMap("labels"),
  12: stringMap("annotations"),
  13: msgs("ownerReferences", OwnerReference),
  14: strs("finalizers"),
  17: msgs("managedFields", ManagedFieldsEntry),
});

const LabelSelectorRequirement = message("LabelSelectorRequirement", {
  1: str("key", KEEP),
  2: str("operator", KEEP),
  3: strs("values"),
});

const LabelSelector = message("LabelSelector", {
  1: stringMap("matchLabels"),
  2: msgs("matchExpressions", LabelSelectorRequirement),
});

// ---- core/v1: references and selectors ----

const LocalObjectReference = message("LocalObjectReference", { 1: str("name") });

const ObjectReference = message("ObjectReference", {
  1: str("kind"),
  2: str("namespace"),
  3: str("name"),
  4: str("uid"),
  5: str("apiVersion"),
  6: str("resourceVersion"),
  7: str("fieldPath"),
});

const ObjectFieldSelector = message("ObjectFieldSelector", {
  1: str("apiVersion"),
  2: str("fieldPath", KEEP),
});

const ResourceFieldSelector = message("ResourceFieldSelector", {
  1: str("containerName"),
  2: str("resource", KEEP),
  3: field("divisor", "quantity"),
});

const ConfigMapKeySelector = message("ConfigMapKeySelector", {
  1: msg("localObjectReference", LocalObjectReference, INLINE),
  2: str("key", KEEP),
  3: bool("optional", KEEP),
});

const SecretKeySelector = message("SecretKeySelector", {
  1: msg("localObjectReference", LocalObjectReference, INLINE),
  2: str("key", KEEP),
  3: bool("optional", KEEP),
});

const KeyToPath = message("KeyToPath", {
  1: str("key", KEEP),
  2: str("path", KEEP),
  3: i32("mode", KEEP),
});

// ---- core/v1: containers ----

const ContainerPort = message("ContainerPort", {
  1: str("name"),
  2: i32("hostPort"),
  3: i32("containerPort", KEEP),
  4: str("protocol"),
  5: str("hostIP"),
});

const EnvVarSource = message("EnvVarSource", {
  1: msg("fieldRef", ObjectFieldSelector),
  2: msg("resourceFieldRef", ResourceFieldSelector),
  3: msg("configMapKeyRef", ConfigMapKeySelector),
  4: msg("secretKeyRef", SecretKeySelector),
});

const EnvVar = message("EnvVar", {
  1: str("name", KEEP),
  2: str("value"),
  3: msg("valueFrom", EnvVarSource),
});

const ConfigMapEnvSource = message("ConfigMapEnvSource", {
  1: msg("localObjectReference", LocalObjectReference, INLINE),
  2: bool("optional", KEEP),
});

const SecretEnvSource = message("SecretEnvSource", {
  1: msg("localObjectReference", LocalObjectReference, INLINE),
  2: bool("optional", KEEP),
});

const EnvFromSource = message("EnvFromSource", {
  1: str("prefix"),
  2: msg("configMapRef", ConfigMapEnvSource),
  3: msg("secretRef", SecretEnvSource),
});

const ResourceClaim = message("ResourceClaim", { 1: str("name", KEEP), 2: str("request") });

const ResourceRequirements = message("ResourceRequirements", {
  1: quantityMap("limits"),
  2: quantityMap("requests"),
  3: msgs("claims", ResourceClaim),
});

const VolumeMount = message("VolumeMount", {
  1: str("name", KEEP),
  2: bool("readOnly"),
  7: str("recursiveReadOnly", KEEP),
  3: str("mountPath", KEEP),
  4: str("subPath"),
  5: str("mountPropagation", KEEP),
  6: str("subPathExpr"),
});

const VolumeDevice = message("VolumeDevice", { 1: str("name", KEEP), 2: str("devicePath", KEEP) });

const ExecAction = message("ExecAction", { 1: strs("command") });

const HTTPHeader = message("HTTPHeader", { 1: str("name", KEEP), 2: str("value", KEEP) });

const HTTPGetAction = message("HTTPGetAction", {
  1: str("path"),
  2: intOrString("port"),
  3: str("host"),
  4: str("scheme"),
  5: msgs("httpHeaders", HTTPHeader),
});

const TCPSocketAction = message("TCPSocketAction", { 1: intOrString("port"), 2: str("host") });

const GRPCAction = message("GRPCAction", { 1: i32("port", KEEP), 2: str("service", KEEP) });

const SleepAction = message("SleepAction", { 1: i64("seconds", KEEP) });

const ProbeHandler = message("ProbeHandler", {
  1: msg("exec", ExecAction),
  2: msg("httpGet", HTTPGetAction),
  3: msg("tcpSocket", TCPSocketAction),
  4: msg("grpc", GRPCAction),
});

const Probe = message("Probe", {
  1: msg("handler", ProbeHandler, INLINE),
  2: i32("initialDelaySeconds"),
  3: i32("timeoutSeconds"),
  4: i32("periodSeconds"),
  5: i32("successThreshold"),
  6: i32("failureThreshold"),
  7: i64("terminationGracePeriodSeconds", KEEP),
});

const LifecycleHandler = message("LifecycleHandler", {
  1: msg("exec", ExecAction),
  2: msg("httpGet", HTTPGetAction),
  3: msg("tcpSocket", TCPSocketAction),
  4: msg("sleep", SleepAction),
});

const Lifecycle = message("Lifecycle", {
  1: msg("postStart", LifecycleHandler),
  2: msg("preStop", LifecycleHandler),
  3: str("stopSignal", KEEP),
});

const Capabilities = message("Capabilities", { 1: strs("add"), 2: strs("drop") });

const SELinuxOptions = message("SELinuxOptions", {
  1: str("user"),
  2: str("role"),
  3: str("type"),
  4: str("level"),
});

const WindowsSecurityContextOptions = message("WindowsSecurityContextOptions", {
  1: str("gmsaCredentialSpecName", KEEP),
  2: str("gmsaCredentialSpec", KEEP),
  3: str("runAsUserName", KEEP),
  4: bool("hostProcess", KEEP),
});

const SeccompProfile = message("SeccompProfile", { 1: str("type", KEEP), 2: str("localhostProfile", KEEP) });

const AppArmorProfile = message("AppArmorProfile", {
  1: str("type", KEEP),
  2: str("localhostProfile", KEEP),
});

const SecurityContext = message("SecurityContext", {
  1: msg("capabilities", Capabilities),
  2: bool("privileged", KEEP),
  3: msg("seLinuxOptions", SELinuxOptions),
  10: msg("windowsOptions", WindowsSecurityContextOptions),
  4: i64("runAsUser", KEEP),
  8: i64("runAsGroup", KEEP),
  5: bool("runAsNonRoot", KEEP),
  6: bool("readOnlyRootFilesystem", KEEP),
  7: bool("allowPrivilegeEscalation", KEEP),
  9: str("procMount", KEEP),
  11: msg("seccompProfile", SeccompProfile),
  12: msg("appArmorProfile", AppArmorProfile),
});

const ContainerResizePolicy = message("ContainerResizePolicy", {
  1: str("resourceName", KEEP),
  2: str("restartPolicy", KEEP),
});

// EphemeralContainerCommon has the same numbers and JSON names as Container.
const containerFields: Record<number, Field> = {
  1: str("name", KEEP),
  2: str("image"),
  3: strs("command"),
  4: strs("args"),
  5: str("workingDir"),
  6: msgs("ports", ContainerPort),
  19: msgs("envFrom", EnvFromSource),
  7: msgs("env", EnvVar),
  8: msg("resources", ResourceRequirements),
  23: msgs("resizePolicy", ContainerResizePolicy),
  24: str("restartPolicy", KEEP),
  9: msgs("volumeMounts", VolumeMount),
  21: msgs("volumeDevices", VolumeDevice),
  10: msg("livenessProbe", Probe),
  11: msg("readinessProbe", Probe),
  22: msg("startupProbe", Probe),
  12: msg("lifecycle", Lifecycle),
  13: str("terminationMessagePath"),
  20: str("terminationMessagePolicy"),
  14: str("imagePullPolicy"),
  15: msg("securityContext", SecurityContext),
  16: bool("stdin"),
  17: bool("stdinOnce"),
  18: bool("tty"),
};

const Container = message("Container", containerFields);

const EphemeralContainer = message("EphemeralContainer", {
  1: msg("ephemeralContainerCommon", message("EphemeralContainerCommon", containerFields), INLINE),
  2: str("targetContainerName"),
});

// ---- core/v1: volumes ----

const HostPathVolumeSource = message("HostPathVolumeSource", { 1: str("path", KEEP), 2: str("type", KEEP) });

const EmptyDirVolumeSource = message("EmptyDirVolumeSource", {
  1: str("medium"),
  2: field("sizeLimit", "quantity"),
});

const SecretVolumeSource = message("SecretVolumeSource", {
  1: str("secretName"),
  2: msgs("items", KeyToPath),
  3: i32("defaultMode", KEEP),
  4: bool("optional", KEEP),
});

const NFSVolumeSource = message("NFSVolumeSource", {
  1: str("server", KEEP),
  2: str("path", KEEP),
  3: bool("readOnly"),
});

const PersistentVolumeClaimVolumeSource = message("PersistentVolumeClaimVolumeSource", {
  1: str("claimName", KEEP),
  2: bool("readOnly"),
});

const DownwardAPIVolumeFile = message("DownwardAPIVolumeFile", {
  1: str("path", KEEP),
  2: msg("fieldRef", ObjectFieldSelector),
  3: msg("resourceFieldRef", ResourceFieldSelector),
  4: i32("mode", KEEP),
});

const DownwardAPIVolumeSource = message("DownwardAPIVolumeSource", {
  1: msgs("items", DownwardAPIVolumeFile),
  2: i32("defaultMode", KEEP),
});

const ConfigMapVolumeSource = message("ConfigMapVolumeSource", {
  1: msg("localObjectReference", LocalObjectReference, INLINE),
  2: msgs("items", KeyToPath),
  3: i32("defaultMode", KEEP),
  4: bool("optional", KEEP),
});

const projection = (name: string) =>
  message(name, {
    1: msg("localObjectReference", LocalObjectReference, INLINE),
    2: msgs("items", KeyToPath),
    4: bool("optional", KEEP),
  });

const VolumeProjection = message("VolumeProjection", {
  1: msg("secret", projection("SecretProjection")),
  2: msg("downwardAPI", message("DownwardAPIProjection", { 1: msgs("items", DownwardAPIVolumeFile) })),
  3: msg("configMap", projection("ConfigMapProjection")),
  4: msg(
    "serviceAccountToken",
    message("ServiceAccountTokenProjection", {
      1: str("audience"),
      2: i64("expirationSeconds", KEEP),
      3: str("path", KEEP),
    }),
  ),
});

const ProjectedVolumeSource = message("ProjectedVolumeSource", {
  1: msgs("sources", VolumeProjection),
  2: i32("defaultMode", KEEP),
});

const CSIVolumeSource = message("CSIVolumeSource", {
  1: str("driver", KEEP),
  2: bool("readOnly", KEEP),
  3: str("fsType", KEEP),
  4: stringMap("volumeAttributes"),
  5: msg("nodePublishSecretRef", LocalObjectReference),
});

// Only the volume types a tutorial cluster plausibly uses; the cloud and legacy ones are skipped like any
// unknown field.
const VolumeSource = message("VolumeSource", {
  1: msg("hostPath", HostPathVolumeSource),
  2: msg("emptyDir", EmptyDirVolumeSource),
  6: msg("secret", SecretVolumeSource),
  7: msg("nfs", NFSVolumeSource),
  10: msg("persistentVolumeClaim", PersistentVolumeClaimVolumeSource),
  16: msg("downwardAPI", DownwardAPIVolumeSource),
  19: msg("configMap", ConfigMapVolumeSource),
  26: msg("projected", ProjectedVolumeSource),
  28: msg("csi", CSIVolumeSource),
});

const Volume = message("Volume", {
  1: str("name", KEEP),
  2: msg("volumeSource", VolumeSource, INLINE),
});

// ---- core/v1: scheduling ----

const NodeSelectorRequirement = message("NodeSelectorRequirement", {
  1: str("key", KEEP),
  2: str("operator", KEEP),
  3: strs("values"),
});

const NodeSelectorTerm = message("NodeSelectorTerm", {
  1: msgs("matchExpressions", NodeSelectorRequirement),
  2: msgs("matchFields", NodeSelectorRequirement),
});

const NodeAffinity = message("NodeAffinity", {
  1: msg(
    "requiredDuringSchedulingIgnoredDuringExecution",
    message("NodeSelector", { 1: msgs("nodeSelectorTerms", NodeSelectorTerm) }),
  ),
  2: msgs(
    "preferredDuringSchedulingIgnoredDuringExecution",
    message("PreferredSchedulingTerm", { 1: i32("weight", KEEP), 2: msg("preference", NodeSelectorTerm) }),
  ),
});

const PodAffinityTerm = message("PodAffinityTerm", {
  1: msg("labelSelector", LabelSelector),
  2: strs("namespaces"),
  3: str("topologyKey", KEEP),
  4: msg("namespaceSelector", LabelSelector),
  5: strs("matchLabelKeys"),
  6: strs("mismatchLabelKeys"),
});

const podAffinity = (name: string) =>
  message(name, {
    1: msgs("requiredDuringSchedulingIgnoredDuringExecution", PodAffinityTerm),
    2: msgs(
      "preferredDuringSchedulingIgnoredDuringExecution",
      message("WeightedPodAffinityTerm", {
        1: i32("weight", KEEP),
        2: msg("podAffinityTerm", PodAffinityTerm),
      }),
    ),
  });

const Affinity = message("Affinity", {
  1: msg("nodeAffinity", NodeAffinity),
  2: msg("podAffinity", podAffinity("PodAffinity")),
  3: msg("podAntiAffinity", podAffinity("PodAntiAffinity")),
});

const Toleration = message("Toleration", {
  1: str("key"),
  2: str("operator"),
  3: str("value"),
  4: str("effect"),
  5: i64("tolerationSeconds", KEEP),
});

const TopologySpreadConstraint = message("TopologySpreadConstraint", {
  1: i32("maxSkew", KEEP),
  2: str("topologyKey", KEEP),
  3: str("whenUnsatisfiable", KEEP),
  4: msg("labelSelector", LabelSelector),
  5: i32("minDomains", KEEP),
  6: str("nodeAffinityPolicy", KEEP),
  7: str("nodeTaintsPolicy", KEEP),
  8: strs("matchLabelKeys"),
});

// ---- core/v1: pods ----

const PodSecurityContext = message("PodSecurityContext", {
  1: msg("seLinuxOptions", SELinuxOptions),
  8: msg("windowsOptions", WindowsSecurityContextOptions),
  2: i64("runAsUser", KEEP),
  6: i64("runAsGroup", KEEP),
  3: bool("runAsNonRoot", KEEP),
  4: i64("supplementalGroups", LIST),
  12: str("supplementalGroupsPolicy", KEEP),
  5: i64("fsGroup", KEEP),
  7: msgs("sysctls", message("Sysctl", { 1: str("name", KEEP), 2: str("value", KEEP) })),
  9: str("fsGroupChangePolicy", KEEP),
  10: msg("seccompProfile", SeccompProfile),
  11: msg("appArmorProfile", AppArmorProfile),
  13: str("seLinuxChangePolicy", KEEP),
});

const PodDNSConfig = message("PodDNSConfig", {
  1: strs("nameservers"),
  2: strs("searches"),
  3: msgs("options", message("PodDNSConfigOption", { 1: str("name"), 2: str("value", KEEP) })),
});

const PodSpec = message("PodSpec", {
  1: msgs("volumes", Volume),
  20: msgs("initContainers", Container),
  2: msgs("containers", Container),
  34: msgs("ephemeralContainers", EphemeralContainer),
  3: str("restartPolicy"),
  4: i64("terminationGracePeriodSeconds", KEEP),
  5: i64("activeDeadlineSeconds", KEEP),
  6: str("dnsPolicy"),
  7: stringMap("nodeSelector"),
  8: str("serviceAccountName"),
  9: str("serviceAccount"),
  21: bool("automountServiceAccountToken", KEEP),
  10: str("nodeName"),
  11: bool("hostNetwork"),
  12: bool("hostPID"),
  13: bool("hostIPC"),
  27: bool("shareProcessNamespace", KEEP),
  14: msg("securityContext", PodSecurityContext),
  15: msgs("imagePullSecrets", LocalObjectReference),
  16: str("hostname"),
  17: str("subdomain"),
  18: msg("affinity", Affinity),
  19: str("schedulerName"),
  22: msgs("tolerations", Toleration),
  23: msgs("hostAliases", message("HostAlias", { 1: str("ip", KEEP), 2: strs("hostnames") })),
  24: str("priorityClassName"),
  25: i32("priority", KEEP),
  26: msg("dnsConfig", PodDNSConfig),
  28: msgs("readinessGates", message("PodReadinessGate", { 1: str("conditionType", KEEP) })),
  29: str("runtimeClassName", KEEP),
  30: bool("enableServiceLinks", KEEP),
  31: str("preemptionPolicy", KEEP),
  32: quantityMap("overhead"),
  33: msgs("topologySpreadConstraints", TopologySpreadConstraint),
  35: bool("setHostnameAsFQDN", KEEP),
  36: msg("os", message("PodOS", { 1: str("name", KEEP) })),
  37: bool("hostUsers", KEEP),
  38: msgs("schedulingGates", message("PodSchedulingGate", { 1: str("name", KEEP) })),
  39: msgs(
    "resourceClaims",
    message("PodResourceClaim", {
      1: str("name", KEEP),
      3: str("resourceClaimName", KEEP),
      4: str("resourceClaimTemplateName", KEEP),
    }),
  ),
  40: msg("resources", ResourceRequirements),
});

// Clients have no business sending status on create, so only the scalar summary is decoded.
const PodStatus = message("PodStatus", {
  1: str("phase"),
  3: str("message"),
  4: str("reason"),
  11: str("nominatedNodeName"),
  5: str("hostIP"),
  6: str("podIP"),
  7: time("startTime"),
  9: str("qosClass"),
});

export const Pod = message("Pod", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", PodSpec),
  3: msg("status", PodStatus),
});

const PodTemplateSpec = message("PodTemplateSpec", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", PodSpec),
});

// ---- core/v1: the other kinds ----

export const Namespace = message("Namespace", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", message("NamespaceSpec", { 1: strs("finalizers") })),
  3: msg("status", message("NamespaceStatus", { 1: str("phase") })),
});

export const ConfigMap = message("ConfigMap", {
  1: msg("metadata", ObjectMeta),
  4: bool("immutable", KEEP),
  2: stringMap("data"),
  3: field("binaryData", "bytesMap"),
});

export const Secret = message("Secret", {
  1: msg("metadata", ObjectMeta),
  5: bool("immutable", KEEP),
  2: field("data", "bytesMap"),
  4: stringMap("stringData"),
  3: str("type"),
});

export const ServiceAccount = message("ServiceAccount", {
  1: msg("metadata", ObjectMeta),
  2: msgs("secrets", ObjectReference),
  3: msgs("imagePullSecrets", LocalObjectReference),
  4: bool("automountServiceAccountToken", KEEP),
});

const ServicePort = message("ServicePort", {
  1: str("name"),
  2: str("protocol"),
  6: str("appProtocol", KEEP),
  3: i32("port", KEEP),
  4: intOrString("targetPort"),
  5: i32("nodePort"),
});

const ServiceSpec = message("ServiceSpec", {
  1: msgs("ports", ServicePort),
  2: stringMap("selector"),
  3: str("clusterIP"),
  18: strs("clusterIPs"),
  4: str("type"),
  5: strs("externalIPs"),
  7: str("sessionAffinity"),
  8: str("loadBalancerIP"),
  9: strs("loadBalancerSourceRanges"),
  10: str("externalName"),
  11: str("externalTrafficPolicy"),
  12: i32("healthCheckNodePort"),
  13: bool("publishNotReadyAddresses"),
  14: msg(
    "sessionAffinityConfig",
    message("SessionAffinityConfig", {
      1: msg("clientIP", message("ClientIPConfig", { 1: i32("timeoutSeconds", KEEP) })),
    }),
  ),
  19: strs("ipFamilies"),
  17: str("ipFamilyPolicy", KEEP),
  20: bool("allocateLoadBalancerNodePorts", KEEP),
  21: str("loadBalancerClass", KEEP),
  22: str("internalTrafficPolicy", KEEP),
  23: str("trafficDistribution", KEEP),
});

const LoadBalancerIngress = message("LoadBalancerIngress", {
  1: str("ip"),
  2: str("hostname"),
  3: str("ipMode", KEEP),
});

export const Service = message("Service", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", ServiceSpec),
  3: msg(
    "status",
    message("ServiceStatus", {
      1: msg("loadBalancer", message("LoadBalancerStatus", { 1: msgs("ingress", LoadBalancerIngress) })),
    }),
  ),
});

// ---- apps/v1 ----

const RollingUpdateDeployment = message("RollingUpdateDeployment", {
  1: intOrString("maxUnavailable"),
  2: intOrString("maxSurge"),
});

const DeploymentSpec = message("DeploymentSpec", {
  1: i32("replicas", KEEP),
  2: msg("selector", LabelSelector),
  3: msg("template", PodTemplateSpec),
  4: msg(
    "strategy",
    message("DeploymentStrategy", { 1: str("type"), 2: msg("rollingUpdate", RollingUpdateDeployment) }),
  ),
  5: i32("minReadySeconds"),
  6: i32("revisionHistoryLimit", KEEP),
  7: bool("paused"),
  9: i32("progressDeadlineSeconds", KEEP),
  10: str("podReplacementPolicy", KEEP),
});

const DeploymentStatus = message("DeploymentStatus", {
  1: i64("observedGeneration"),
  2: i32("replicas"),
  3: i32("updatedReplicas"),
  7: i32("readyReplicas"),
  4: i32("availableReplicas"),
  5: i32("unavailableReplicas"),
  9: i32("terminatingReplicas", KEEP),
  8: i32("collisionCount", KEEP),
});

export const Deployment = message("Deployment", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", DeploymentSpec),
  3: msg("status", DeploymentStatus),
});

const ReplicaSetStatus = message("ReplicaSetStatus", {
  1: i32("replicas", KEEP),
  2: i32("fullyLabeledReplicas"),
  4: i32("readyReplicas"),
  5: i32("availableReplicas"),
  7: i32("terminatingReplicas", KEEP),
  3: i64("observedGeneration"),
});

export const ReplicaSet = message("ReplicaSet", {
  1: msg("metadata", ObjectMeta),
  2: msg(
    "spec",
    message("ReplicaSetSpec", {
      1: i32("replicas", KEEP),
      4: i32("minReadySeconds"),
      2: msg("selector", LabelSelector),
      3: msg("template", PodTemplateSpec),
    }),
  ),
  3: msg("status", ReplicaSetStatus),
});

// ---- rbac/v1, authentication/v1, authorization/v1 (k8s.io/api generated.proto) ----
// The typed clients behind `kubectl create role|rolebinding|clusterrole|clusterrolebinding`,
// `kubectl create token` and `kubectl auth can-i|whoami` send these as protobuf.

const PolicyRule = message("PolicyRule", {
  1: strs("verbs"),
  2: strs("apiGroups"),
  3: strs("resources"),
  4: strs("resourceNames"),
  5: strs("nonResourceURLs"),
});

const RbacSubject = message("Subject", {
  1: str("kind", KEEP),
  2: str("apiGroup"),
  3: str("name", KEEP),
  4: str("namespace"),
});

const RoleRef = message("RoleRef", { 1: str("apiGroup", KEEP), 2: str("kind", KEEP), 3: str("name", KEEP) });

export const Role = message("Role", { 1: msg("metadata", ObjectMeta), 2: msgs("rules", PolicyRule) });

export const ClusterRole = message("ClusterRole", {
  1: msg("metadata", ObjectMeta),
  2: msgs("rules", PolicyRule),
  3: msg("aggregationRule", message("AggregationRule", { 1: msgs("clusterRoleSelectors", LabelSelector) })),
});

const bindingFields = {
  1: msg("metadata", ObjectMeta),
  2: msgs("subjects", RbacSubject),
  3: msg("roleRef", RoleRef),
};
export const RoleBinding = message("RoleBinding", bindingFields);
export const ClusterRoleBinding = message("ClusterRoleBinding", bindingFields);

const BoundObjectReference = message("BoundObjectReference", {
  1: str("kind"),
  2: str("apiVersion"),
  3: str("name"),
  4: str("uid"),
});

export const TokenRequest = message("TokenRequest", {
  1: msg("metadata", ObjectMeta),
  2: msg(
    "spec",
    message("TokenRequestSpec", {
      1: strs("audiences"),
      4: i64("expirationSeconds", KEEP),
      3: msg("boundObjectRef", BoundObjectReference),
    }),
  ),
});

export const SelfSubjectReview = message("SelfSubjectReview", { 1: msg("metadata", ObjectMeta) });

const ResourceAttributes = message("ResourceAttributes", {
  1: str("namespace"),
  2: str("verb"),
  3: str("group"),
  4: str("version"),
  5: str("resource"),
  6: str("subresource"),
  7: str("name"),
});

const NonResourceAttributes = message("NonResourceAttributes", { 1: str("path"), 2: str("verb") });

export const SelfSubjectAccessReview = message("SelfSubjectAccessReview", {
  1: msg("metadata", ObjectMeta),
  2: msg(
    "spec",
    message("SelfSubjectAccessReviewSpec", {
      1: msg("resourceAttributes", ResourceAttributes),
      2: msg("nonResourceAttributes", NonResourceAttributes),
    }),
  ),
});

export const SelfSubjectRulesReview = message("SelfSubjectRulesReview", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", message("SelfSubjectRulesReviewSpec", { 1: str("namespace") })),
});

// spec.extra (field 5) is left out: RBAC never reads a user's extra.
const SubjectAccessReviewSpec = message("SubjectAccessReviewSpec", {
  1: msg("resourceAttributes", ResourceAttributes),
  2: msg("nonResourceAttributes", NonResourceAttributes),
  3: str("user"),
  4: strs("groups"),
  6: str("uid"),
});

export const SubjectAccessReview = message("SubjectAccessReview", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", SubjectAccessReviewSpec),
});

export const LocalSubjectAccessReview = message("LocalSubjectAccessReview", {
  1: msg("metadata", ObjectMeta),
  2: msg("spec", SubjectAccessReviewSpec),
});
