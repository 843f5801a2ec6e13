import { createPrivateKey, X509Certificate } from "node:crypto";

/**
 * Whether `text` holds a PEM certificate Node can read (any one of a bundle will do, as for Go's
 * AppendCertsFromPEM). Checked before use: Node skips a CA it cannot read without a word, and
 * then blames the server's certificate; kubectl refuses such a file up front.
 */
export function holdsCertificate(text: string): boolean {
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.some((block) => {
    try {
      new X509Certificate(block);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether `text` is a PEM private key Node can use without a passphrase (kubectl takes no other). */
export function holdsPrivateKey(text: string): boolean {
  try {
    createPrivateKey(text);
    return true;
  } catch {
    return false;
  }
}
