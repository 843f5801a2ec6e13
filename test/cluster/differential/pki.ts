import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;

/** The names the recording endpoint's certificate is valid for. */
export const SERVER_NAMES = { ip: "127.0.0.1", dns: ["localhost", "api.bookinfo.test", "bookinfo.test"] };

/** Everything the corpus refers to by placeholder, as PEM (and base64 of the PEM, as kubeconfigs hold it). */
export interface TestPki {
  /** Signed the endpoint's serving certificate. */
  caPem: string;
  /** A CA that signed nothing the endpoint serves: trusting only it must fail. */
  otherCaPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** Signed the client certificates; the endpoint asks for one and records who presented it. */
  clientCaPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** Common name of the client certificate, as the endpoint records it. */
  clientName: string;
}

// P-256 keys are made in milliseconds and accepted by Go's TLS stack, which kubectl verifies with.
const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

/** A fresh set of CAs and certificates for one run of the suite; nothing is kept on disk. */
export async function makeTestPki(): Promise<TestPki> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
  const ca = await authority("CN=differential-ca");
  const other = await authority("CN=differential-unrelated-ca");
  const clientCa = await authority("CN=differential-client-ca");
  const server = await leaf(ca, "CN=differential-apiserver", [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: "ip", value: SERVER_NAMES.ip },
      ...SERVER_NAMES.dns.map((value) => ({ type: "dns" as const, value })),
    ]),
  ]);
  const clientName = "differential-client";
  const client = await leaf(clientCa, `CN=${clientName},O=system:masters`, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
  return {
    caPem: ca.pem,
    otherCaPem: other.pem,
    serverCertPem: server.pem,
    serverKeyPem: server.keyPem,
    clientCaPem: clientCa.pem,
    clientCertPem: client.pem,
    clientKeyPem: client.keyPem,
    clientName,
  };
}

interface Issued {
  certificate: x509.X509Certificate;
  keys: KeyPair;
  pem: string;
  keyPem: string;
}

async function authority(name: string): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity(),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as Key),
    ],
  });
  return { certificate, keys, pem: certificate.toString("pem"), keyPem: await keyPem(keys) };
}

async function leaf(issuer: Issued, subject: string, extensions: x509.Extension[]): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as KeyPair;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: issuer.certificate.subject,
    ...validity(),
    publicKey: keys.publicKey as Key,
    signingKey: issuer.keys.privateKey as Key,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      ...extensions,
      await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate),
    ],
  });
  return { certificate, keys, pem: certificate.toString("pem"), keyPem: await keyPem(keys) };
}

const validity = () => ({ notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 30 * DAY) });

async function keyPem(keys: KeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey as Key);
  const body = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // Positive (high bit clear), as RFC 5280 asks.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
