// Istio's validation of its other kinds, for the mistakes people make most, in Istio's words.

import { append, type Errors, none } from "./errors.ts";
import {
  isDns1123Label,
  isIpAddress,
  validateFqdn,
  validateNamespaceSlashHost,
  validatePort,
  validateWildcardDomain,
} from "./names.ts";
import { validateExportTo } from "./virtualService.ts";

type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const strs = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
const rec = (v: unknown): Json | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : undefined;

const PROTOCOLS = new Set([
  "http",
  "http2",
  "https",
  "grpc",
  "grpc-web",
  "tcp",
  "udp",
  "tls",
  "mongo",
  "redis",
  "mysql",
  "http_proxy",
  "hbone",
]);
const TLS_PROTOCOLS = new Set(["https", "tls"]);
const HTTP_PROTOCOLS = new Set(["http", "http2", "grpc", "grpc-web", "http_proxy"]);

export function validateGateway(spec: Json, name: string): Errors {
  const errors = none();
  if (!isDns1123Label(name)) append(errors, `invalid gateway name: ${JSON.stringify(name)}`);
  const servers = Array.isArray(spec.servers) ? (spec.servers as unknown[]) : [];
  if (servers.length === 0) append(errors, "gateway must have at least one server");
  for (const server of servers) {
    const s = rec(server);
    if (!s) append(errors, "cannot have nil server");
    else append(errors, validateServer(s));
  }
  const names = new Set<string>();
  for (const server of servers) {
    const port = rec(rec(server)?.port);
    if (!port) continue;
    const portName = String(port.name ?? "");
    if (names.has(portName))
      append(errors, `port names in servers must be unique: duplicate name ${portName}`);
    names.add(portName);
  }
  return errors;
}

function validateServer(server: Json): Errors {
  const errors = none();
  const hosts = strs(server.hosts);
  if (hosts.length === 0) append(errors, "server config must contain at least one host");
  for (const host of hosts) append(errors, validateNamespaceSlashHost(host, true));
  const port = rec(server.port);
  const portErrors = none();
  if (!port) append(portErrors, "port is required");
  else {
    const protocol = String(port.protocol ?? "").toLowerCase();
    if (!PROTOCOLS.has(protocol)) {
      append(
        portErrors,
        `invalid protocol ${JSON.stringify(String(port.protocol ?? ""))}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`,
      );
    }
    const bind = typeof server.bind === "string" ? server.bind : "";
    const number = typeof port.number === "number" ? port.number : 0;
    if (number > 0 || !bind.startsWith("unix://")) append(portErrors, validatePort(number));
    if (typeof port.targetPort === "number" && port.targetPort > 0)
      append(portErrors, "targetPort has no impact on Gateways");
  }
  append(errors, portErrors);
  const tls = rec(server.tls);
  if (
    typeof server.bind === "string" &&
    server.bind !== "" &&
    !server.bind.startsWith("unix://") &&
    !isIpAddress(server.bind)
  ) {
    append(errors, `${server.bind} is not a valid IP`);
  }
  append(errors, validateServerTls(tls));
  if (port && portErrors.messages.length === 0) {
    const protocol = String(port.protocol ?? "").toLowerCase();
    if (TLS_PROTOCOLS.has(protocol) && !tls)
      append(errors, "server must have TLS settings for HTTPS/TLS protocols");
    else if (!TLS_PROTOCOLS.has(protocol) && tls) {
      if (HTTP_PROTOCOLS.has(protocol)) {
        const passthrough =
          tls.mode === undefined || tls.mode === "PASSTHROUGH" || tls.mode === "AUTO_PASSTHROUGH";
        if (!passthrough || tls.caCertificates || tls.privateKey || tls.serverCertificate) {
          append(errors, "server cannot have TLS settings for plain text HTTP ports");
        }
      } else append(errors, "server cannot have TLS settings for non HTTPS/TLS ports");
    }
  }
  return errors;
}

function validateServerTls(tls: Json | undefined): Errors {
  const errors = none();
  if (!tls) return errors;
  const mode = tls.mode;
  const fromSecret = Boolean(tls.credentialName) || strs(tls.credentialNames).length > 0;
  if (mode === "ISTIO_MUTUAL") {
    if (tls.serverCertificate) append(errors, "ISTIO_MUTUAL TLS cannot have associated server certificate");
    if (tls.privateKey) append(errors, "ISTIO_MUTUAL TLS cannot have associated private key");
    if (tls.caCertificates) append(errors, "ISTIO_MUTUAL TLS cannot have associated CA bundle");
    if (tls.credentialName) append(errors, "ISTIO_MUTUAL TLS cannot have associated credentialName");
    return errors;
  }
  if ((mode === "SIMPLE" || mode === "MUTUAL" || mode === "OPTIONAL_MUTUAL") && !fromSecret) {
    const prefix = mode === "SIMPLE" ? "SIMPLE TLS" : "MUTUAL TLS";
    if (mode !== "SIMPLE" && !tls.caCertificates) append(errors, `${prefix} requires a client CA bundle`);
    const certificates = list(tls.tlsCertificates);
    const pairs = certificates.length ? certificates : [tls];
    for (const pair of pairs) {
      if (!pair.serverCertificate) append(errors, `${prefix} requires a server certificate`);
      if (!pair.privateKey) append(errors, `${prefix} requires a private key`);
    }
  }
  return errors;
}

export function validateDestinationRule(spec: Json, namespace: string): Errors {
  const errors = none();
  append(errors, validateWildcardDomain(typeof spec.host === "string" ? spec.host : ""));
  const seen = new Set<string>();
  for (const subset of Array.isArray(spec.subsets) ? (spec.subsets as unknown[]) : []) {
    const s = rec(subset);
    if (!s) {
      append(errors, "subset may not be null");
      continue;
    }
    const name = typeof s.name === "string" ? s.name : "";
    if (seen.has(name)) append(errors, `duplicate subset names: ${name}`);
    seen.add(name);
    if (name === "") append(errors, "subset name cannot be empty");
    else if (!isDns1123Label(name)) append(errors, `subset name is invalid: ${name}`);
  }
  append(errors, validateExportTo(namespace, strs(spec.exportTo)));
  return errors;
}

export function validateServiceEntry(spec: Json, namespace: string): Errors {
  const errors = none();
  const hosts = strs(spec.hosts);
  const endpoints = list(spec.endpoints);
  if (rec(spec.workloadSelector) && Array.isArray(spec.endpoints)) {
    append(errors, "only one of WorkloadSelector or Endpoints is allowed in Service Entry");
  }
  if (hosts.length === 0) append(errors, "service entry must have at least one host");
  for (const host of hosts) {
    if (host === "*") append(errors, "invalid host *");
    else append(errors, validateWildcardDomain(host));
  }
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  for (const port of list(spec.ports)) {
    const name = String(port.name ?? "");
    const number = typeof port.number === "number" ? port.number : 0;
    if (portNames.has(name))
      append(errors, `service entry port name ${JSON.stringify(name)} already defined`);
    if (portNumbers.has(number)) append(errors, `service entry port ${number} already defined`);
    portNames.add(name);
    portNumbers.add(number);
    if (typeof port.targetPort === "number" && port.targetPort !== 0)
      append(errors, validatePort(port.targetPort));
    if (!isDns1123Label(name)) append(errors, `invalid port name: ${name}`);
    append(errors, validatePort(number));
  }
  const resolution = typeof spec.resolution === "string" ? spec.resolution : "NONE";
  if (resolution === "NONE" && endpoints.length) {
    append(errors, "no endpoints should be provided for resolution type none");
  }
  if ((resolution === "DNS" || resolution === "DNS_ROUND_ROBIN") && endpoints.length === 0) {
    for (const host of hosts) {
      if (validateFqdn(host))
        append(errors, `hosts must be FQDN if no endpoints are provided for resolution mode ${resolution}`);
    }
  }
  if (resolution !== "NONE" && hosts.length > 1) {
    const l4 = list(spec.ports).some((p) => {
      const protocol = String(p.protocol ?? "").toLowerCase();
      return !HTTP_PROTOCOLS.has(protocol) && !TLS_PROTOCOLS.has(protocol);
    });
    if (l4) append(errors, "multiple hosts provided with non-HTTP, non-TLS ports");
  }
  append(
    errors,
    validateExportTo(
      namespace,
      strs(spec.exportTo).filter((e) => e !== "~"),
    ),
  );
  return errors;
}

export function validateSidecar(spec: Json): Errors {
  const errors = none();
  const egress = list(spec.egress);
  const ingress = list(spec.ingress);
  if (
    !egress.length &&
    !ingress.length &&
    !rec(spec.outboundTrafficPolicy) &&
    !rec(spec.inboundConnectionPool)
  ) {
    return append(errors, "sidecar: empty configuration provided");
  }
  for (const listener of egress) {
    for (const host of strs(listener.hosts)) append(errors, validateNamespaceSlashHost(host, false));
  }
  return errors;
}

export function validatePeerAuthentication(spec: Json): Errors {
  const errors = none();
  const labels = rec(rec(spec.selector)?.matchLabels) ?? {};
  const portLevel = rec(spec.portLevelMtls);
  if (Object.keys(labels).length === 0 && portLevel && Object.keys(portLevel).length) {
    append(errors, "mesh/namespace peer authentication cannot have port level mTLS");
  }
  if (portLevel && Object.keys(portLevel).length === 0) {
    append(errors, "port level mTLS, if defined, must have at least one element");
  }
  for (const port of Object.keys(portLevel ?? {})) {
    const n = Number(port);
    if (!(n > 0 && n <= 65535)) append(errors, "port must be in range 1..65535");
  }
  return errors;
}

export function validateAuthorizationPolicy(spec: Json, name: string, namespace: string): Errors {
  const errors = none();
  list(spec.rules).forEach((rule, i) => {
    for (const from of list(rule.from)) {
      const source = rec(from.source);
      if (!source) append(errors, `\`from.source\` must not be empty, found at rule ${i}`);
      else if (Object.values(source).every((v) => !Array.isArray(v) || v.length === 0)) {
        append(errors, `\`from.source\` must not be empty, found at rule ${i}`);
      }
    }
    for (const to of list(rule.to)) {
      const operation = rec(to.operation);
      if (!operation || Object.values(operation).every((v) => !Array.isArray(v) || v.length === 0)) {
        append(errors, `\`to.operation\` must not be empty, found at rule ${i}`);
      }
    }
    for (const condition of list(rule.when)) {
      const key = typeof condition.key === "string" ? condition.key : "";
      if (!key) append(errors, "`key` must not be empty");
      else if (strs(condition.values).length === 0 && strs(condition.notValues).length === 0) {
        append(errors, `at least one of \`values\` or \`notValues\` must be set for key ${key}`);
      }
    }
  });
  // Istio prefixes every problem of a policy with the policy's name.
  errors.messages = errors.messages.map((m) => `invalid policy ${name}.${namespace}: ${m}`);
  return errors;
}

export function validateRequestAuthentication(spec: Json): Errors {
  const errors = none();
  for (const rule of list(spec.jwtRules)) {
    for (const audience of strs(rule.audiences))
      if (audience === "") append(errors, "audience must be non-empty string");
    if (!rule.issuer && !rule.jwksUri) append(errors, "issuer or jwksUri must be non-empty string");
    for (const header of list(rule.fromHeaders)) {
      if (!header.name) append(errors, "location header name must be non-empty string");
    }
  }
  return errors;
}

export function validateProxyConfig(spec: Json): Errors {
  const errors = none();
  if (typeof spec.concurrency === "number" && spec.concurrency < 0) {
    append(errors, "concurrency must be greater than or equal to 0");
  }
  return errors;
}

export function validateTelemetry(spec: Json): Errors {
  const errors = none();
  for (const section of ["tracing", "metrics", "accessLogging"]) {
    for (const entry of list(spec[section])) {
      if (list(entry.providers).some((p) => !p.name)) append(errors, "providers.name may not be empty");
    }
  }
  for (const tracing of list(spec.tracing)) {
    const sampling = tracing.randomSamplingPercentage;
    if (typeof sampling === "number" && (sampling < 0 || sampling > 100)) {
      append(errors, "randomSamplingPercentage must be in range [0.0, 100.0]");
    }
  }
  return errors;
}
