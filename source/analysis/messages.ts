// Istio's analysis messages this tour reports, with the code, level and wording istioctl analyze
// gives them (Istio's messages.yaml), and ours with the KBI prefix. Arguments are formatted the
// way Go's fmt formats them there: %q quotes, %v of a list is "[a b]".

import type { Level } from "./finding.ts";

export interface Message {
  code: string;
  name: string;
  level: Level;
  message: string;
}

const quote = (text: string) => JSON.stringify(text);
const list = (items: readonly (string | number)[]) => `[${items.join(" ")}]`;

export const messages = {
  referencedResourceNotFound: (reftype: string, refval: string): Message => ({
    code: "IST0101",
    name: "ReferencedResourceNotFound",
    level: "Error",
    message: `Referenced ${reftype} not found: ${quote(refval)}`,
  }),
  namespaceNotInjected: (namespace: string): Message => ({
    code: "IST0102",
    name: "NamespaceNotInjected",
    level: "Info",
    message: `The namespace is not enabled for Istio injection. Run 'kubectl label namespace ${namespace} istio-injection=enabled' to enable it, or 'kubectl label namespace ${namespace} istio-injection=disabled' to explicitly mark it as not needing injection.`,
  }),
  podMissingProxy: (pod: string): Message => ({
    code: "IST0103",
    name: "PodMissingProxy",
    level: "Warning",
    message: `The pod ${pod} is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.`,
  }),
  conflictingMeshGatewayVirtualServiceHosts: (virtualServices: string, host: string): Message => ({
    code: "IST0109",
    name: "ConflictingMeshGatewayVirtualServiceHosts",
    level: "Error",
    message: `The VirtualServices ${virtualServices} associated with mesh gateway define the same host ${host} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.`,
  }),
  virtualServiceDestinationPortSelectorRequired: (host: string, ports: readonly number[]): Message => ({
    code: "IST0112",
    name: "VirtualServiceDestinationPortSelectorRequired",
    level: "Error",
    message: `This VirtualService routes to a service ${quote(host)} that exposes multiple ports ${list(ports)}. Specifying a port in the destination is required to disambiguate.`,
  }),
  namespaceMultipleInjectionLabels: (labels: readonly string[]): Message => ({
    code: "IST0123",
    name: "NamespaceMultipleInjectionLabels",
    level: "Warning",
    message: `The namespace has more than one type of injection labels ${list(labels)}, which may lead to undefined behavior. Make sure only one injection label exists.`,
  }),
  noServerCertificateVerificationDestinationLevel: (
    destinationRule: string,
    namespace: string,
    mode: string,
    host: string,
  ): Message => ({
    code: "IST0128",
    name: "NoServerCertificateVerificationDestinationLevel",
    level: "Warning",
    message: `DestinationRule ${destinationRule} in namespace ${namespace} has TLS mode set to ${mode} but no caCertificates are set to validate server identity for host: ${host}`,
  }),
  noServerCertificateVerificationPortLevel: (
    destinationRule: string,
    namespace: string,
    mode: string,
    host: string,
    port: string,
  ): Message => ({
    code: "IST0129",
    name: "NoServerCertificateVerificationPortLevel",
    level: "Warning",
    message: `DestinationRule ${destinationRule} in namespace ${namespace} has TLS mode set to ${mode} but no caCertificates are set to validate server identity for host: ${host} at port ${port}`,
  }),
  virtualServiceHostNotFoundInGateway: (
    hosts: readonly string[],
    virtualService: string,
    gateway: string,
  ): Message => ({
    code: "IST0132",
    name: "VirtualServiceHostNotFoundInGateway",
    level: "Warning",
    message: `one or more host ${list(hosts)} defined in VirtualService ${virtualService} not found in Gateway ${gateway}.`,
  }),
  conflictingGateways: (gateways: string, selector: string, port: string, hosts: string): Message => ({
    code: "IST0145",
    name: "ConflictingGateways",
    level: "Error",
    message: `Conflict with gateways ${gateways} (workload selector ${selector}, port ${port}, hosts ${hosts}).`,
  }),
  gatewayPortNotDefinedOnService: (port: number, selector: string): Message => ({
    code: "IST0162",
    name: "GatewayPortNotDefinedOnService",
    level: "Warning",
    message: `The gateway is listening on a target port (port ${port}) that is not defined in the Service associated with its workload instances (Pod selector ${selector}). If you need to access the gateway port through the gateway Service, it will not be available.`,
  }),
  destinationRuleSubsetNotSelectPods: (subset: string): Message => ({
    code: "IST0173",
    name: "DestinationRuleSubsetNotSelectPods",
    level: "Error",
    message: `The Subset ${subset} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).`,
  }),
  unknownDestinationRuleHost: (host: string): Message => ({
    code: "IST0174",
    name: "UnknownDestinationRuleHost",
    level: "Warning",
    message: `The host ${host} defined in the DestinationRule does not match any services in the mesh.`,
  }),

  // Ours: what only a tour that samples the page and knows what it could read can say.
  productPageServedElsewhere: (level: Level, message: string): Message => ({
    code: "KBI0001",
    name: "ProductPageServedElsewhere",
    level,
    message,
  }),
  analysisIncomplete: (message: string): Message => ({
    code: "KBI0002",
    name: "AnalysisIncomplete",
    level: "Info",
    message,
  }),
};
