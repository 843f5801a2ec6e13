// Bound service account tokens, as the API server issues them through TokenRequest: signed JWTs
// (ES256 here) whose claims name the service account, and the pod, secret or node the token is
// bound to. Nothing is remembered about issued tokens: a token is good while its signature
// verifies, it has not expired, and what it names still exists with the same UID.

import { createHash, generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from "node:crypto";
import type { KubeObject } from "../kube.ts";
import type { Store } from "../store/store.ts";
import { serviceAccountGroups, serviceAccountUsername, type User } from "./user.ts";

/** The issuer and the audience of the API server, as on a kind or kubeadm cluster. */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";
export const API_AUDIENCES = [SERVICE_ACCOUNT_ISSUER];

/** jwt's default leeway, which Kubernetes keeps: a token is accepted up to a minute past exp. */
const LEEWAY_SECONDS = 60;

const CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";
const POD_NAME = "authentication.kubernetes.io/pod-name";
const POD_UID = "authentication.kubernetes.io/pod-uid";
const NODE_NAME = "authentication.kubernetes.io/node-name";
const NODE_UID = "authentication.kubernetes.io/node-uid";

interface ObjectClaim {
  name: string;
  uid: string;
}

export interface TokenClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  nbf: number;
  sub: string;
  "kubernetes.io": {
    namespace: string;
    serviceaccount: ObjectClaim;
    pod?: ObjectClaim;
    secret?: ObjectClaim;
    node?: ObjectClaim;
  };
}

export interface TokenRequestInput {
  serviceAccount: KubeObject;
  audiences: string[];
  expirationSeconds: number;
  now: Date;
  pod?: KubeObject;
  secret?: KubeObject;
  node?: KubeObject;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const claim = (o: KubeObject): ObjectClaim => ({ name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" });

const issuers = new WeakMap<Store, ServiceAccountTokens>();

/** Tokens whose signature was checked already, as the API server caches token authentication. */
const VERIFIED_CACHE_SIZE = 4096;

export class ServiceAccountTokens {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly #keyId: string;
  readonly #verified = new Map<string, TokenClaims>();

  /** The token signer of a store's cluster, with a key of its own made on first use. */
  static of(store: Store): ServiceAccountTokens {
    let tokens = issuers.get(store);
    if (!tokens) {
      tokens = new ServiceAccountTokens(store);
      issuers.set(store, tokens);
    }
    return tokens;
  }

  private constructor(private readonly store: Store) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
    // As kube-apiserver derives it: the SHA-256 of the public key's DER, base64url.
    this.#keyId = base64url(
      createHash("sha256")
        .update(publicKey.export({ format: "der", type: "spki" }))
        .digest(),
    );
  }

  issue(input: TokenRequestInput): { token: string; claims: TokenClaims } {
    const now = Math.floor(input.now.getTime() / 1000);
    const namespace = input.serviceAccount.metadata.namespace ?? "";
    const claims: TokenClaims = {
      aud: input.audiences,
      exp: now + input.expirationSeconds,
      iat: now,
      iss: SERVICE_ACCOUNT_ISSUER,
      jti: randomUUID(),
      "kubernetes.io": {
        namespace,
        ...(input.node ? { node: claim(input.node) } : {}),
        ...(input.pod ? { pod: claim(input.pod) } : {}),
        ...(input.secret ? { secret: claim(input.secret) } : {}),
        serviceaccount: claim(input.serviceAccount),
      },
      nbf: now,
      sub: serviceAccountUsername(namespace, input.serviceAccount.metadata.name ?? ""),
    };
    const header = base64url(JSON.stringify({ alg: "ES256", kid: this.#keyId }));
    const payload = base64url(JSON.stringify(claims));
    const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
      key: this.#privateKey,
      dsaEncoding: "ieee-p1363",
    });
    return { token: `${header}.${payload}.${base64url(signature)}`, claims };
  }

  /** The service account a token authenticates as, or undefined when it does not (401). */
  authenticate(token: string): User | undefined {
    const claims = this.#verifiedClaims(token);
    if (!claims) return undefined;
    const now = this.store.now().getTime() / 1000;
    if (now > claims.exp + LEEWAY_SECONDS || claims.nbf > now + LEEWAY_SECONDS) return undefined;
    if (!claims.aud.some((audience) => API_AUDIENCES.includes(audience))) return undefined;
    const k8s = claims["kubernetes.io"];
    const namespace = k8s.namespace;
    const account = this.#live("serviceaccounts", namespace, k8s.serviceaccount);
    if (!account || account.metadata.deletionTimestamp) return undefined;
    if (k8s.pod && !this.#live("pods", namespace, k8s.pod)) return undefined;
    if (k8s.secret && !this.#live("secrets", namespace, k8s.secret)) return undefined;
    if (k8s.node && !k8s.pod && !this.#live("nodes", undefined, k8s.node)) return undefined;
    const extra: Record<string, string[]> = { [CREDENTIAL_ID]: [`JTI=${claims.jti}`] };
    if (k8s.pod) Object.assign(extra, { [POD_NAME]: [k8s.pod.name], [POD_UID]: [k8s.pod.uid] });
    if (k8s.node) Object.assign(extra, { [NODE_NAME]: [k8s.node.name], [NODE_UID]: [k8s.node.uid] });
    return {
      name: serviceAccountUsername(namespace, k8s.serviceaccount.name),
      uid: k8s.serviceaccount.uid,
      groups: serviceAccountGroups(namespace),
      extra,
    };
  }

  #live(resource: string, namespace: string | undefined, ref: ObjectClaim): KubeObject | undefined {
    const found = this.store.get(resource, namespace, ref.name);
    return found && found.metadata.uid === ref.uid ? found : undefined;
  }

  #verifiedClaims(token: string): TokenClaims | undefined {
    const cached = this.#verified.get(token);
    if (cached) return cached;
    const claims = this.#verify(token);
    if (claims) {
      if (this.#verified.size >= VERIFIED_CACHE_SIZE)
        this.#verified.delete(this.#verified.keys().next().value ?? "");
      this.#verified.set(token, claims);
    }
    return claims;
  }

  #verify(token: string): TokenClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [header = "", payload = "", signature = ""] = parts;
    try {
      const head = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as {
        alg?: string;
        kid?: string;
      };
      if (head.alg !== "ES256" || head.kid !== this.#keyId) return undefined;
      const valid = verify(
        "sha256",
        Buffer.from(`${header}.${payload}`),
        { key: this.#publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(signature, "base64url"),
      );
      if (!valid) return undefined;
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as TokenClaims;
      if (claims.iss !== SERVICE_ACCOUNT_ISSUER || !claims["kubernetes.io"]?.serviceaccount) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }
}
