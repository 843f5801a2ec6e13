// The Go types of the built-in kinds the sandbox serves, as far as their fields have types a
// client can get wrong: the API server decodes every body into these structs, so `replicas`
// must be an int32, `labels` a map of strings, `metadata` an object. Fields not listed here are
// unchecked (kept as sent), never refused.

export type GoType =
  | { kind: "scalar"; go: "string" | "bool" | "int32" | "int64" | "float64"; name?: string }
  /** intstr.IntOrString: an int32 or a string (targetPort, maxSurge). */
  | { kind: "intOrString" }
  /** resource.Quantity: a number or a string in its own syntax. */
  | { kind: "quantity" }
  | { kind: "struct"; name: string; fields: () => Record<string, GoType> }
  | { kind: "slice"; of: GoType }
  | { kind: "map"; of: GoType }
  /** Anything at all (RawExtension, free-form JSON such as fieldsV1). */
  | { kind: "any" };

const scalar = (go: "string" | "bool" | "int32" | "int64" | "float64", name?: string): GoType => ({
  kind: "scalar",
  go,
  ...(name ? { name } : {}),
});
const str = scalar("string");
const int32 = scalar("int32");
const int64 = scalar("int64");
const bool = scalar("bool");
const time = scalar("string", "v1.Time");
const any: GoType = { kind: "any" };
const intOrString: GoType = { kind: "intOrString" };
const quantity: GoType = { kind: "quantity" };
const slice = (of: GoType): GoType => ({ kind: "slice", of });
const map = (of: GoType): GoType => ({ kind: "map", of });
/** `name` is the Go type as fmt prints it: package and type, e.g. v1.ObjectMeta. */
const struct = (name: string, fields: () => Record<string, GoType>): GoType => ({
  kind: "struct",
  name,
  fields,
});

/** How Go's reflect prints a type in decode errors: int32, []v1.Container, map[string]string. */
export function goTypeName(type: GoType): string {
  switch (type.kind) {
    case "scalar":
      return type.name ?? type.go;
    case "intOrString":
      return "intstr.IntOrString";
    case "quantity":
      return "resource.Quantity";
    case "struct":
      return type.name;
    case "slice":
      return `[]${goTypeName(type.of)}`;
    case "map":
      return `map[string]${goTypeName(type.of)}`;
    case "any":
      return "interface {}";
  }
}

const ownerReference = struct("v1.OwnerReference", () => ({
  apiVersion: str,
  kind: str,
  name: str,
  uid: scalar("string", "types.UID"),
  controller: bool,
  blockOwnerDeletion: bool,
}));

const managedFieldsEntry = struct("v1.ManagedFieldsEntry", () => ({
  manager: str,
  operation: scalar("string", "v1.ManagedFieldsOperationType"),
  apiVersion: str,
  time,
  fieldsType: str,
  fieldsV1: any,
  subresource: str,
}));

export const objectMeta = struct("v1.ObjectMeta", () => ({
  name: str,
  generateName: str,
  namespace: str,
  selfLink: str,
  uid: scalar("string", "types.UID"),
  resourceVersion: str,
  generation: int64,
  creationTimestamp: time,
  deletionTimestamp: time,
  deletionGracePeriodSeconds: int64,
  labels: map(str),
  annotations: map(str),
  ownerReferences: slice(ownerReference),
  finalizers: slice(str),
  managedFields: slice(managedFieldsEntry),
}));

const labelSelector = struct("v1.LabelSelector", () => ({
  matchLabels: map(str),
  matchExpressions: slice(
    struct("v1.LabelSelectorRequirement", () => ({
      key: str,
      operator: scalar("string", "v1.LabelSelectorOperator"),
      values: slice(str),
    })),
  ),
}));

const containerPort = struct("v1.ContainerPort", () => ({
  name: str,
  hostPort: int32,
  containerPort: int32,
  protocol: scalar("string", "v1.Protocol"),
  hostIP: str,
}));

const envVar = struct("v1.EnvVar", () => ({ name: str, value: str, valueFrom: any }));

const resources = struct("v1.ResourceRequirements", () => ({
  limits: map(quantity),
  requests: map(quantity),
}));

const httpGet = struct("v1.HTTPGetAction", () => ({
  path: str,
  port: intOrString,
  host: str,
  scheme: scalar("string", "v1.URIScheme"),
}));

const probe = struct("v1.Probe", () => ({
  httpGet,
  tcpSocket: struct("v1.TCPSocketAction", () => ({ port: intOrString, host: str })),
  exec: struct("v1.ExecAction", () => ({ command: slice(str) })),
  initialDelaySeconds: int32,
  timeoutSeconds: int32,
  periodSeconds: int32,
  successThreshold: int32,
  failureThreshold: int32,
  terminationGracePeriodSeconds: int64,
}));

const container = struct("v1.Container", () => ({
  name: str,
  image: str,
  command: slice(str),
  args: slice(str),
  workingDir: str,
  ports: slice(containerPort),
  env: slice(envVar),
  resources,
  volumeMounts: slice(
    struct("v1.VolumeMount", () => ({ name: str, readOnly: bool, mountPath: str, subPath: str })),
  ),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  terminationMessagePath: str,
  terminationMessagePolicy: scalar("string", "v1.TerminationMessagePolicy"),
  imagePullPolicy: scalar("string", "v1.PullPolicy"),
  stdin: bool,
  stdinOnce: bool,
  tty: bool,
}));

const toleration = struct("v1.Toleration", () => ({
  key: str,
  operator: scalar("string", "v1.TolerationOperator"),
  value: str,
  effect: scalar("string", "v1.TaintEffect"),
  tolerationSeconds: int64,
}));

const podSpec = struct("v1.PodSpec", () => ({
  volumes: slice(struct("v1.Volume", () => ({ name: str }))),
  initContainers: slice(container),
  containers: slice(container),
  restartPolicy: scalar("string", "v1.RestartPolicy"),
  terminationGracePeriodSeconds: int64,
  activeDeadlineSeconds: int64,
  dnsPolicy: scalar("string", "v1.DNSPolicy"),
  nodeSelector: map(str),
  serviceAccountName: str,
  serviceAccount: str,
  automountServiceAccountToken: bool,
  nodeName: str,
  hostNetwork: bool,
  hostPID: bool,
  hostIPC: bool,
  shareProcessNamespace: bool,
  hostname: str,
  subdomain: str,
  schedulerName: str,
  tolerations: slice(toleration),
  priorityClassName: str,
  priority: int32,
  enableServiceLinks: bool,
}));

const podTemplateSpec = struct("v1.PodTemplateSpec", () => ({ metadata: objectMeta, spec: podSpec }));

const deploymentSpec = struct("v1.DeploymentSpec", () => ({
  replicas: int32,
  selector: labelSelector,
  template: podTemplateSpec,
  strategy: struct("v1.DeploymentStrategy", () => ({
    type: scalar("string", "v1.DeploymentStrategyType"),
    rollingUpdate: struct("v1.RollingUpdateDeployment", () => ({
      maxUnavailable: intOrString,
      maxSurge: intOrString,
    })),
  })),
  minReadySeconds: int32,
  revisionHistoryLimit: int32,
  paused: bool,
  progressDeadlineSeconds: int32,
}));

const deploymentStatus = struct("v1.DeploymentStatus", () => ({
  observedGeneration: int64,
  replicas: int32,
  updatedReplicas: int32,
  readyReplicas: int32,
  availableReplicas: int32,
  unavailableReplicas: int32,
  collisionCount: int32,
}));

const replicaSetSpec = struct("v1.ReplicaSetSpec", () => ({
  replicas: int32,
  minReadySeconds: int32,
  selector: labelSelector,
  template: podTemplateSpec,
}));

const replicaSetStatus = struct("v1.ReplicaSetStatus", () => ({
  replicas: int32,
  fullyLabeledReplicas: int32,
  readyReplicas: int32,
  availableReplicas: int32,
  observedGeneration: int64,
}));

const servicePort = struct("v1.ServicePort", () => ({
  name: str,
  protocol: scalar("string", "v1.Protocol"),
  appProtocol: str,
  port: int32,
  targetPort: intOrString,
  nodePort: int32,
}));

const serviceSpec = struct("v1.ServiceSpec", () => ({
  ports: slice(servicePort),
  selector: map(str),
  clusterIP: str,
  clusterIPs: slice(str),
  type: scalar("string", "v1.ServiceType"),
  externalIPs: slice(str),
  sessionAffinity: scalar("string", "v1.ServiceAffinity"),
  loadBalancerIP: str,
  externalName: str,
  externalTrafficPolicy: scalar("string", "v1.ServiceExternalTrafficPolicy"),
  healthCheckNodePort: int32,
  publishNotReadyAddresses: bool,
  ipFamilies: slice(scalar("string", "v1.IPFamily")),
  ipFamilyPolicy: scalar("string", "v1.IPFamilyPolicy"),
  allocateLoadBalancerNodePorts: bool,
  internalTrafficPolicy: scalar("string", "v1.ServiceInternalTrafficPolicy"),
}));

const podStatus = struct("v1.PodStatus", () => ({
  phase: scalar("string", "v1.PodPhase"),
  message: str,
  reason: str,
  hostIP: str,
  podIP: str,
  startTime: time,
  qosClass: scalar("string", "v1.PodQOSClass"),
}));

const endpointPort = struct("v1.EndpointPort", () => ({
  name: str,
  port: int32,
  protocol: scalar("string", "v1.Protocol"),
  appProtocol: str,
}));

const endpointAddress = struct("v1.EndpointAddress", () => ({
  ip: str,
  hostname: str,
  nodeName: str,
  targetRef: any,
}));

const objectReference = struct("v1.ObjectReference", () => ({
  kind: str,
  namespace: str,
  name: str,
  uid: scalar("string", "types.UID"),
  apiVersion: str,
  resourceVersion: str,
  fieldPath: str,
}));

const top = (kind: string, fields: () => Record<string, GoType>): GoType =>
  struct(`v1.${kind}`, () => ({ apiVersion: str, kind: str, metadata: objectMeta, ...fields() }));

/** The Go struct each built-in kind decodes into; undefined for custom resources. */
export const KIND_TYPES: Record<string, GoType> = {
  Namespace: top("Namespace", () => ({
    spec: struct("v1.NamespaceSpec", () => ({ finalizers: slice(scalar("string", "v1.FinalizerName")) })),
    status: struct("v1.NamespaceStatus", () => ({ phase: scalar("string", "v1.NamespacePhase") })),
  })),
  Node: top("Node", () => ({
    spec: struct("v1.NodeSpec", () => ({ podCIDR: str, podCIDRs: slice(str), unschedulable: bool })),
  })),
  Pod: top("Pod", () => ({ spec: podSpec, status: podStatus })),
  Service: top("Service", () => ({ spec: serviceSpec })),
  Endpoints: top("Endpoints", () => ({
    subsets: slice(
      struct("v1.EndpointSubset", () => ({
        addresses: slice(endpointAddress),
        notReadyAddresses: slice(endpointAddress),
        ports: slice(endpointPort),
      })),
    ),
  })),
  ServiceAccount: top("ServiceAccount", () => ({
    secrets: slice(objectReference),
    imagePullSecrets: slice(struct("v1.LocalObjectReference", () => ({ name: str }))),
    automountServiceAccountToken: bool,
  })),
  ConfigMap: top("ConfigMap", () => ({
    immutable: bool,
    data: map(str),
    binaryData: map(scalar("string", "[]uint8")),
  })),
  Event: top("Event", () => ({
    involvedObject: objectReference,
    reason: str,
    message: str,
    source: struct("v1.EventSource", () => ({ component: str, host: str })),
    firstTimestamp: time,
    lastTimestamp: time,
    count: int32,
    type: str,
    reportingComponent: str,
    reportingInstance: str,
  })),
  Deployment: top("Deployment", () => ({ spec: deploymentSpec, status: deploymentStatus })),
  ReplicaSet: top("ReplicaSet", () => ({ spec: replicaSetSpec, status: replicaSetStatus })),
  CustomResourceDefinition: top("CustomResourceDefinition", () => ({
    spec: struct("v1.CustomResourceDefinitionSpec", () => ({
      group: str,
      names: struct("v1.CustomResourceDefinitionNames", () => ({
        plural: str,
        singular: str,
        shortNames: slice(str),
        kind: str,
        listKind: str,
        categories: slice(str),
      })),
      scope: scalar("string", "v1.ResourceScope"),
      versions: slice(
        struct("v1.CustomResourceDefinitionVersion", () => ({
          name: str,
          served: bool,
          storage: bool,
          deprecated: bool,
          schema: any,
          subresources: any,
          additionalPrinterColumns: any,
        })),
      ),
      preserveUnknownFields: bool,
    })),
  })),
  MutatingWebhookConfiguration: top("MutatingWebhookConfiguration", () => ({
    webhooks: slice(
      struct("v1.MutatingWebhook", () => ({
        name: str,
        clientConfig: any,
        rules: any,
        failurePolicy: str,
        sideEffects: str,
        timeoutSeconds: int32,
        admissionReviewVersions: slice(str),
        namespaceSelector: labelSelector,
        objectSelector: labelSelector,
        reinvocationPolicy: str,
      })),
    ),
  })),
};

/** The scale subresource's autoscaling/v1 Scale. */
KIND_TYPES.Scale = top("Scale", () => ({
  spec: struct("v1.ScaleSpec", () => ({ replicas: int32 })),
  status: struct("v1.ScaleStatus", () => ({ replicas: int32, selector: str })),
}));

/** Custom resources still decode into an object with typed metadata. */
export const CUSTOM_RESOURCE_TYPE: GoType = struct("unstructured.Unstructured", () => ({
  apiVersion: str,
  kind: str,
  metadata: objectMeta,
}));
