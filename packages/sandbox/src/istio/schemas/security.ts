// Specs of security.istio.io's kinds, written from Istio's API reference.

import { arr, bool, enumOf, map, obj, str, strings } from "../../schema/build.ts";
import type { JSONSchemaProps } from "../../schema/types.ts";
import { duration, matchLabelsSelector, policyTargets } from "./common.ts";

const source = obj("Who the request comes from.", {
  ipBlocks: strings("Source IPs or CIDRs (the peer address)."),
  namespaces: strings("Namespaces of the source workloads (needs mTLS)."),
  notIpBlocks: strings(),
  notNamespaces: strings(),
  notPrincipals: strings(),
  notRemoteIpBlocks: strings(),
  notRequestPrincipals: strings(),
  notServiceAccounts: strings(undefined, { maxItems: 16 }),
  principals: strings("Peer identities (SPIFFE ids without the prefix; needs mTLS)."),
  remoteIpBlocks: strings("Original client IPs, as X-Forwarded-For or the proxy protocol give them."),
  requestPrincipals: strings("Request identities from JWTs (iss/sub)."),
  serviceAccounts: strings("Service accounts of the source workloads.", { maxItems: 16 }),
});

const operation = obj("What the request does.", {
  hosts: strings("Host headers."),
  methods: strings("HTTP methods."),
  notHosts: strings(),
  notMethods: strings(),
  notPaths: strings(),
  notPorts: strings(),
  paths: strings("Request paths."),
  ports: strings("Destination ports."),
});

export const authorizationPolicySpec: JSONSchemaProps = obj(
  "Access control for workloads: which requests are allowed, denied or audited.",
  {
    action: enumOf("What matching requests get.", ["ALLOW", "DENY", "AUDIT", "CUSTOM"]),
    provider: obj("The external authorizer of a CUSTOM policy.", {
      name: str("The extension provider's name."),
    }),
    rules: arr(
      "Rules a request must match; a policy without rules matches nothing (ALLOW) or everything it is told to.",
      obj(undefined, {
        from: arr("Sources; any one of them.", obj(undefined, { source })),
        to: arr("Operations; any one of them.", obj(undefined, { operation })),
        when: arr(
          "Further conditions on request attributes.",
          obj(
            undefined,
            {
              key: str("The attribute, such as request.headers[version]."),
              notValues: strings(),
              values: strings(),
            },
            { required: ["key"] },
          ),
        ),
      }),
      { maxItems: 512 },
    ),
    selector: matchLabelsSelector(),
    ...policyTargets,
  },
);

const mtlsMode = obj("Mutual TLS for traffic to the workloads.", {
  mode: enumOf("UNSET inherits; DISABLE, PERMISSIVE (plain text or mTLS) or STRICT (mTLS only).", [
    "UNSET",
    "DISABLE",
    "PERMISSIVE",
    "STRICT",
  ]),
});

export const peerAuthenticationSpec: JSONSchemaProps = obj(
  "How workloads authenticate their peers (mutual TLS).",
  {
    mtls: mtlsMode,
    portLevelMtls: map("Mutual TLS by port number.", mtlsMode, { minProperties: 1 }),
    selector: matchLabelsSelector(),
  },
);

export const requestAuthenticationSpec: JSONSchemaProps = obj("Which JWTs a workload accepts on requests.", {
  jwtRules: arr(
    "The issuers and keys accepted.",
    obj(
      undefined,
      {
        audiences: strings("Audiences a token may be for."),
        forwardOriginalToken: bool("Keep the token on the request after validating it."),
        fromCookies: strings("Cookies the token may come in."),
        fromHeaders: arr(
          "Headers the token may come in.",
          obj(
            undefined,
            { name: str("The header."), prefix: str("A prefix before the token, such as 'Bearer '.") },
            { required: ["name"] },
          ),
        ),
        fromParams: strings("Query parameters the token may come in."),
        issuer: str("The token's issuer (iss).", { maxLength: 2048, minLength: 1 }),
        jwks: str("The public keys, as a JWKS document."),
        jwks_uri: str(undefined, { maxLength: 2048, minLength: 1 }),
        jwksUri: str("Where the public keys are published.", { maxLength: 2048, minLength: 1 }),
        outputClaimToHeaders: arr(
          "Claims copied into request headers.",
          obj(undefined, { claim: str(), header: str() }),
        ),
        outputPayloadToHeader: str("A header that gets the token's payload."),
        timeout: duration("Timeout of fetching the keys."),
      },
      { required: ["issuer"] },
    ),
    { maxItems: 4096 },
  ),
  selector: matchLabelsSelector(),
  ...policyTargets,
});
