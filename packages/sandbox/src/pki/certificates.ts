import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;

export interface ServingCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

// P-256 keys: generated in milliseconds (RSA would cost most of the sandbox's start-up budget)
// and accepted by Go's TLS stack, which is what kubectl verifies with.
const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 24 * 60 * 60 * 1000;

const pemOfKey = (der: ArrayBuffer) =>
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;

/** A fresh CA and a serving certificate for 127.0.0.1/localhost signed by it, valid for a year. */
export async function makeServingCertificates(): Promise<ServingCertificates> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);
  const now = Date.now();
  const notBefore = new Date(now - DAY);
  const notAfter = new Date(now + 365 * DAY);

  const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=bookinfo-sandbox-ca",
    notBefore,
    notAfter,
    keys: caKeys as KeyPair,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as Key),
    ],
  });

  const serverKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: "CN=bookinfo-sandbox-apiserver",
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey as Key,
    signingKey: caKeys.privateKey as Key,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });

  const keyDer = await webcrypto.subtle.exportKey("pkcs8", serverKeys.privateKey as Key);
  return { caPem: ca.toString("pem"), certPem: server.toString("pem"), keyPem: pemOfKey(keyDer) };
}

function randomSerial(): string {
  // Positive (high bit clear) 16-byte serial, as RFC 5280 asks.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}
