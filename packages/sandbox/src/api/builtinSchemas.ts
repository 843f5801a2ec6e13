// OpenAPI v3 schemas of the built-in kinds people ask `kubectl explain` about (Pod, Deployment,
// Service), with Kubernetes' field names, types, required fields and definition names, and short
// descriptions of our own. Nested types are components referenced by name, so explain shows
// `spec <PodSpec>` as it does on a real cluster.

import { arr, bool, enumOf, int32, int64, map, obj, str, stringMap, strings } from "../schema/build.ts";
import type { JSONSchemaProps } from "../schema/types.ts";

const CORE = "io.k8s.api.core.v1";
const APPS = "io.k8s.api.apps.v1";
const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

type Schema = JSONSchemaProps | { description?: string; allOf: { $ref: string }[]; default?: unknown };

const ref = (name: string, description: string, extra: Record<string, unknown> = {}): JSONSchemaProps =>
  ({ description, allOf: [{ $ref: `#/components/schemas/${name}` }], ...extra }) as JSONSchemaProps;
// Lists and maps point at their item type through allOf, as the API server publishes them.
const refItem = (name: string) =>
  ({ allOf: [{ $ref: `#/components/schemas/${name}` }], default: {} }) as unknown as JSONSchemaProps;
const refArray = (name: string, description: string, extra: Partial<JSONSchemaProps> = {}): JSONSchemaProps =>
  arr(description, refItem(name), extra);

const quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const intOrString = (description?: string): JSONSchemaProps => ref(INT_OR_STRING, description ?? "");
const quantities = (description: string) => map(description, refItem(quantity));

const kindAndVersion = {
  apiVersion: str("APIVersion names the versioned schema of this representation of the object."),
  kind: str("Kind names the REST resource this object represents, in CamelCase."),
  metadata: ref(`${META}.ObjectMeta`, "Standard object metadata."),
};

const gvk = (group: string, kind: string) => ({
  "x-kubernetes-group-version-kind": [{ group, kind, version: "v1" }],
});

const probe = obj("A check the kubelet runs against a container.", {
  exec: obj("Run a command in the container.", { command: strings("The command line.") }),
  failureThreshold: int32("Failures in a row after which the check has failed."),
  grpc: obj(
    "Call a gRPC health service.",
    { port: int32("The port."), service: str("The service name.") },
    { required: ["port"] },
  ),
  httpGet: obj(
    "An HTTP GET.",
    {
      host: str("The host to connect to; the pod IP by default."),
      httpHeaders: arr(
        "Headers to send.",
        obj(undefined, { name: str(), value: str() }, { required: ["name", "value"] }),
      ),
      path: str("The path to request."),
      port: intOrString("The port, by number or name."),
      scheme: enumOf("HTTP or HTTPS.", ["HTTP", "HTTPS"]),
    },
    { required: ["port"] },
  ),
  initialDelaySeconds: int32("Seconds after the container starts before the first check."),
  periodSeconds: int32("How often the check runs, in seconds."),
  successThreshold: int32("Successes in a row after a failure for the check to pass again."),
  tcpSocket: obj(
    "A TCP connection.",
    { host: str(), port: intOrString("The port, by number or name.") },
    { required: ["port"] },
  ),
  terminationGracePeriodSeconds: int64("Grace period when the check's failure kills the container."),
  timeoutSeconds: int32("Seconds after which one check times out."),
});

export const builtinSchemas: Record<string, Schema> = {
  [quantity]: {
    type: "string",
    description: "A fixed-point number with an optional SI or binary suffix: 500m, 64Mi, 2.",
  },
  [`${META}.LabelSelector`]: obj("A label query over a set of resources.", {
    matchExpressions: arr(
      "Requirements on labels; all must hold.",
      obj(
        undefined,
        { key: str(), operator: str("In, NotIn, Exists or DoesNotExist."), values: strings() },
        { required: ["key", "operator"] },
      ),
    ),
    matchLabels: stringMap("Labels that must all be present with these values."),
  }),
  [`${META}.Condition`]: obj(
    "A standard Kubernetes condition.",
    {
      lastTransitionTime: str("When the status last changed.", { format: "date-time" }),
      message: str("A human-readable explanation."),
      observedGeneration: int64("The generation the condition was set for."),
      reason: str("A one-word CamelCase reason."),
      status: str("True, False or Unknown."),
      type: str("The kind of condition."),
    },
    { required: ["type", "status", "lastTransitionTime", "reason", "message"] },
  ),
  [`${CORE}.Pod`]: obj(
    "A Pod is a group of containers that run together on one node.",
    {
      ...kindAndVersion,
      spec: ref(`${CORE}.PodSpec`, "The desired behaviour of the pod."),
      status: ref(`${CORE}.PodStatus`, "The pod's most recently observed state, as the kubelet reports it."),
    },
    gvk("", "Pod"),
  ),
  [`${CORE}.PodTemplateSpec`]: obj("A PodTemplateSpec describes the pods made from a template.", {
    metadata: ref(`${META}.ObjectMeta`, "Labels and annotations of the pods."),
    spec: ref(`${CORE}.PodSpec`, "The pods' spec."),
  }),
  [`${CORE}.PodSpec`]: obj(
    "A PodSpec describes a pod: its containers, volumes and where it may run.",
    {
      activeDeadlineSeconds: int64("Seconds the pod may run before the kubelet stops it."),
      affinity: obj("Scheduling constraints: node, pod and anti-affinity.", {
        nodeAffinity: obj(undefined, {}),
        podAffinity: obj(undefined, {}),
        podAntiAffinity: obj(undefined, {}),
      }),
      automountServiceAccountToken: bool("Whether the service account token is mounted."),
      containers: refArray(`${CORE}.Container`, "The pod's containers; at least one."),
      dnsPolicy: enumOf("How the pod resolves names.", [
        "ClusterFirst",
        "ClusterFirstWithHostNet",
        "Default",
        "None",
      ]),
      enableServiceLinks: bool("Whether Services' addresses are injected as environment variables."),
      hostIPC: bool("Use the host's IPC namespace."),
      hostNetwork: bool("Use the host's network namespace."),
      hostPID: bool("Use the host's PID namespace."),
      hostname: str("The pod's hostname; its name by default."),
      imagePullSecrets: arr("Secrets for pulling images.", obj(undefined, { name: str() })),
      initContainers: refArray(
        `${CORE}.Container`,
        "Containers that run to completion, in order, before the others start.",
      ),
      nodeName: str("The node the pod is bound to; set by the scheduler."),
      nodeSelector: stringMap("Labels a node must have for the pod to run there."),
      priority: int32("The pod's scheduling priority."),
      priorityClassName: str("The PriorityClass that sets the priority."),
      restartPolicy: enumOf("When containers are restarted.", ["Always", "OnFailure", "Never"]),
      schedulerName: str("The scheduler that places the pod."),
      securityContext: obj("Security settings for all containers.", {
        fsGroup: int64(),
        runAsGroup: int64(),
        runAsNonRoot: bool(),
        runAsUser: int64(),
      }),
      serviceAccount: str("Deprecated name of serviceAccountName."),
      serviceAccountName: str("The service account the pod runs as."),
      subdomain: str("The pod's subdomain under a headless Service."),
      terminationGracePeriodSeconds: int64("Seconds the pod gets to stop after being asked to."),
      tolerations: arr(
        "Taints the pod tolerates.",
        obj(undefined, {
          effect: str(),
          key: str(),
          operator: str(),
          tolerationSeconds: int64(),
          value: str(),
        }),
      ),
      volumes: refArray(`${CORE}.Volume`, "Volumes the containers can mount."),
    },
    { required: ["containers"] },
  ),
  [`${CORE}.Container`]: obj(
    "A Container is one program a pod runs, from an image.",
    {
      args: strings("Arguments to the entrypoint."),
      command: strings("The entrypoint; the image's by default."),
      env: arr(
        "Environment variables.",
        obj(
          undefined,
          {
            name: str("The variable's name."),
            value: str("The variable's value."),
            valueFrom: obj("Where the value comes from: a field, a resource, a ConfigMap or a Secret.", {
              configMapKeyRef: obj(
                undefined,
                { key: str(), name: str(), optional: bool() },
                { required: ["key"] },
              ),
              fieldRef: obj(undefined, { apiVersion: str(), fieldPath: str() }, { required: ["fieldPath"] }),
              resourceFieldRef: obj(
                undefined,
                {
                  containerName: str(),
                  divisor: ref(quantity, ""),
                  resource: str(),
                },
                { required: ["resource"] },
              ),
              secretKeyRef: obj(
                undefined,
                { key: str(), name: str(), optional: bool() },
                { required: ["key"] },
              ),
            }),
          },
          { required: ["name"] },
        ),
      ),
      image: str("The container image."),
      imagePullPolicy: enumOf("When the image is pulled.", ["Always", "Never", "IfNotPresent"]),
      livenessProbe: probe,
      name: str("The container's name, unique in the pod."),
      ports: arr(
        "Ports the container exposes (informational).",
        obj(
          undefined,
          {
            containerPort: int32("The port number on the pod's IP."),
            hostIP: str(),
            hostPort: int32(),
            name: str("A name Services can refer to the port by."),
            protocol: enumOf("TCP, UDP or SCTP.", ["SCTP", "TCP", "UDP"], { default: "TCP" }),
          },
          { required: ["containerPort"] },
        ),
      ),
      readinessProbe: probe,
      resources: obj("Compute resources the container requests and is limited to.", {
        limits: quantities("The most the container may use."),
        requests: quantities("What the container needs; the scheduler reserves it."),
      }),
      securityContext: obj("Security settings of the container.", {
        allowPrivilegeEscalation: bool(),
        privileged: bool(),
        readOnlyRootFilesystem: bool(),
        runAsNonRoot: bool(),
        runAsUser: int64(),
      }),
      startupProbe: probe,
      stdin: bool(),
      terminationMessagePath: str(),
      terminationMessagePolicy: enumOf(undefined, ["File", "FallbackToLogsOnError"]),
      tty: bool(),
      volumeMounts: arr(
        "Volumes mounted into the container.",
        obj(
          undefined,
          {
            mountPath: str("Where the volume appears."),
            name: str("The volume's name."),
            readOnly: bool(),
            subPath: str(),
          },
          { required: ["name", "mountPath"] },
        ),
      ),
      workingDir: str("The working directory."),
    },
    { required: ["name"] },
  ),
  [`${CORE}.Volume`]: obj(
    "A Volume is a named directory the pod's containers can mount.",
    {
      configMap: obj("A ConfigMap's keys as files.", { name: str(), optional: bool() }),
      emptyDir: obj("An empty directory that lives as long as the pod.", {
        medium: str(),
        sizeLimit: ref(quantity, ""),
      }),
      name: str("The volume's name."),
      persistentVolumeClaim: obj(
        undefined,
        { claimName: str(), readOnly: bool() },
        { required: ["claimName"] },
      ),
      secret: obj("A Secret's keys as files.", { optional: bool(), secretName: str() }),
    },
    { required: ["name"] },
  ),
  [`${CORE}.PodStatus`]: obj("A PodStatus is what the kubelet last reported about a pod.", {
    conditions: arr(
      "PodScheduled, Initialized, ContainersReady, Ready and others.",
      obj(
        undefined,
        {
          lastProbeTime: str(),
          lastTransitionTime: str(),
          message: str(),
          reason: str(),
          status: str(),
          type: str(),
        },
        { required: ["type", "status"] },
      ),
    ),
    containerStatuses: arr(
      "One entry per container.",
      obj(undefined, {
        containerID: str(),
        image: str(),
        imageID: str(),
        lastState: obj(undefined, {}),
        name: str(),
        ready: bool(),
        restartCount: int32(),
        started: bool(),
        state: obj("waiting, running or terminated.", {}),
      }),
    ),
    hostIP: str("The IP of the pod's node."),
    message: str(),
    phase: enumOf("Pending, Running, Succeeded, Failed or Unknown.", [
      "Failed",
      "Pending",
      "Running",
      "Succeeded",
      "Unknown",
    ]),
    podIP: str("The pod's IP."),
    qosClass: enumOf("The pod's quality-of-service class.", ["BestEffort", "Burstable", "Guaranteed"]),
    reason: str(),
    startTime: str("When the kubelet accepted the pod.", { format: "date-time" }),
  }),
  [`${CORE}.Service`]: obj(
    "A Service is a stable name and address for a set of pods, and a policy for reaching them.",
    {
      ...kindAndVersion,
      spec: ref(`${CORE}.ServiceSpec`, "The Service's desired behaviour."),
      status: ref(`${CORE}.ServiceStatus`, "The Service's most recently observed state."),
    },
    gvk("", "Service"),
  ),
  [`${CORE}.ServiceSpec`]: obj("A ServiceSpec describes what a Service exposes and how.", {
    allocateLoadBalancerNodePorts: bool(),
    clusterIP: str("The Service's virtual IP; None for a headless Service."),
    clusterIPs: strings(),
    externalIPs: strings(),
    externalName: str("The DNS name an ExternalName Service points at."),
    externalTrafficPolicy: enumOf("How external traffic reaches endpoints.", ["Cluster", "Local"]),
    internalTrafficPolicy: enumOf(undefined, ["Cluster", "Local"]),
    ipFamilies: strings(),
    ipFamilyPolicy: enumOf(undefined, ["PreferDualStack", "RequireDualStack", "SingleStack"]),
    loadBalancerClass: str(),
    loadBalancerSourceRanges: strings(),
    ports: arr(
      "The Service's ports.",
      obj(
        undefined,
        {
          appProtocol: str("The application protocol (http, h2c, ...)."),
          name: str("The port's name, unique in the Service."),
          nodePort: int32("The port on every node, for NodePort and LoadBalancer Services."),
          port: int32("The port the Service listens on."),
          protocol: enumOf("TCP, UDP or SCTP.", ["SCTP", "TCP", "UDP"], { default: "TCP" }),
          targetPort: intOrString("The pods' port, by number or name; the same as port by default."),
        },
        { required: ["port"] },
      ),
    ),
    publishNotReadyAddresses: bool(),
    selector: stringMap("Labels of the pods traffic goes to."),
    sessionAffinity: enumOf(undefined, ["ClientIP", "None"]),
    type: enumOf("How the Service is exposed.", ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]),
  }),
  [`${CORE}.ServiceStatus`]: obj(
    "A ServiceStatus is what is known of a Service's load balancer and conditions.",
    {
      conditions: refArray(`${META}.Condition`, "The Service's conditions."),
      loadBalancer: obj("The load balancer's addresses.", {
        ingress: arr(
          undefined,
          obj(undefined, {
            hostname: str(),
            ip: str(),
            ipMode: str(),
            ports: arr(
              "Each Service port, with the load balancer's error for it if it has one.",
              obj(
                undefined,
                { error: str(), port: int32(), protocol: str() },
                { required: ["port", "protocol"] },
              ),
            ),
          }),
        ),
      }),
    },
  ),
  [`${APPS}.DaemonSet`]: obj(
    "A DaemonSet runs a copy of a pod on every node that its template's node selector admits.",
    {
      ...kindAndVersion,
      spec: ref(`${APPS}.DaemonSetSpec`, "The desired behaviour of the DaemonSet."),
      status: ref(`${APPS}.DaemonSetStatus`, "The DaemonSet's most recently observed state."),
    },
    gvk("apps", "DaemonSet"),
  ),
  [`${APPS}.DaemonSetSpec`]: obj(
    "A DaemonSetSpec describes the daemon pods and how they are replaced.",
    {
      minReadySeconds: int32("Seconds a new pod must be ready before it counts as available."),
      revisionHistoryLimit: int32("How many old revisions are kept for rollbacks."),
      selector: ref(`${META}.LabelSelector`, "The daemon pods; it must match the template's labels."),
      template: ref(`${CORE}.PodTemplateSpec`, "The pod each eligible node runs."),
      updateStrategy: obj("How daemon pods are replaced when the template changes.", {
        rollingUpdate: obj(undefined, { maxSurge: intOrString(), maxUnavailable: intOrString() }),
        type: enumOf(undefined, ["OnDelete", "RollingUpdate"]),
      }),
    },
    { required: ["selector", "template"] },
  ),
  [`${APPS}.DaemonSetStatus`]: obj("What the DaemonSet controller last observed of its pods.", {
    currentNumberScheduled: int32("Nodes running at least one daemon pod that should."),
    desiredNumberScheduled: int32("Nodes that should run the daemon pod."),
    numberAvailable: int32(),
    numberMisscheduled: int32("Nodes running a daemon pod that should not."),
    numberReady: int32(),
    numberUnavailable: int32(),
    observedGeneration: int64("The generation the status is for."),
    updatedNumberScheduled: int32(),
  }),
  [`${APPS}.Deployment`]: obj(
    "A Deployment keeps a number of pods running and rolls out changes to them through ReplicaSets.",
    {
      ...kindAndVersion,
      spec: ref(`${APPS}.DeploymentSpec`, "The desired behaviour of the Deployment."),
      status: ref(`${APPS}.DeploymentStatus`, "The Deployment's most recently observed state."),
    },
    gvk("apps", "Deployment"),
  ),
  [`${APPS}.DeploymentSpec`]: obj(
    "A DeploymentSpec describes the pods a Deployment keeps running and how it replaces them.",
    {
      minReadySeconds: int32("Seconds a new pod must be ready before it counts as available."),
      paused: bool("Whether rollouts are paused."),
      progressDeadlineSeconds: int32("Seconds a rollout may make no progress before it is failed."),
      replicas: int32("How many pods; 1 by default."),
      revisionHistoryLimit: int32("How many old ReplicaSets are kept for rollbacks."),
      selector: ref(
        `${META}.LabelSelector`,
        "The pods the Deployment manages; it must match the template's labels.",
      ),
      strategy: obj("How pods are replaced.", {
        rollingUpdate: obj(undefined, { maxSurge: intOrString(), maxUnavailable: intOrString() }),
        type: enumOf(undefined, ["Recreate", "RollingUpdate"]),
      }),
      template: ref(`${CORE}.PodTemplateSpec`, "The pods the Deployment makes."),
    },
    { required: ["selector", "template"] },
  ),
  [`${APPS}.DeploymentStatus`]: obj(
    "A DeploymentStatus is what the Deployment controller last observed of its rollout.",
    {
      availableReplicas: int32(),
      collisionCount: int32(),
      conditions: arr(
        "Available, Progressing and ReplicaFailure.",
        obj(
          undefined,
          {
            lastTransitionTime: str(),
            lastUpdateTime: str(),
            message: str(),
            reason: str(),
            status: str(),
            type: str(),
          },
          { required: ["type", "status"] },
        ),
      ),
      observedGeneration: int64("The generation the status is for."),
      readyReplicas: int32(),
      replicas: int32(),
      unavailableReplicas: int32(),
      updatedReplicas: int32(),
    },
  ),
};

/** The schemas a built-in group/version's document carries, or none for the others. */
export function builtinSchemasFor(group: string, version: string): Record<string, Schema> {
  if (version !== "v1" || (group !== "" && group !== "apps")) return {};
  return builtinSchemas;
}
