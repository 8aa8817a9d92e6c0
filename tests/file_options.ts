/**
 * Every CLI option that reads a file the user names, as a command line with
 * the file in that option's place: shared by the hostile-input tests and the
 * refusal rows of the benchmark (`scripts/bench_hostile.ts`).
 *
 * @module
 */

import * as nodePath from "node:path";

const DATA = nodePath.resolve(import.meta.dirname!, "testdata");
const CERT_KEYS = nodePath.join(DATA, "keys", "certificate");
export const KEY_MODEL = nodePath.join(DATA, "v1.1.0-elliptic-key");
export const CERT_MODEL = nodePath.join(DATA, "v1.0.1-certificate");
export const SIGSTORE_MODEL = nodePath.join(DATA, "v1.0.1-sigstore");
export const PUB = nodePath.join(CERT_KEYS, "signing-key-pub.pem");
export const KEY = nodePath.join(CERT_KEYS, "signing-key.pem");
export const CERT = nodePath.join(CERT_KEYS, "signing-key-cert.pem");
export const CA = nodePath.join(CERT_KEYS, "ca-cert.pem");

/** Each option that reads a file, as a command line with `p` in that option's place. */
export function fileOptionCases(out: string): [string, (p: string) => string[]][] {
  const keyModel = ["--signature", nodePath.join(KEY_MODEL, "model.sig")];
  return [
    [
      "verify key --signature",
      (p) => ["verify", "key", "--signature", p, "--public-key", PUB, KEY_MODEL],
    ],
    [
      "verify key --public-key",
      (p) => ["verify", "key", ...keyModel, "--public-key", p, KEY_MODEL],
    ],
    ["verify certificate --signature", (p) => [
      "verify",
      "certificate",
      "--signature",
      p,
      "--certificate-chain",
      CA,
      CERT_MODEL,
    ]],
    ["verify certificate --certificate-chain", (p) => [
      "verify",
      "certificate",
      "--signature",
      nodePath.join(CERT_MODEL, "model.sig"),
      "--certificate-chain",
      p,
      CERT_MODEL,
    ]],
    ["verify key --tsa-certificate-chain", (p) => [
      "verify",
      "key",
      ...keyModel,
      "--public-key",
      PUB,
      "--tsa-certificate-chain",
      p,
      KEY_MODEL,
    ]],
    ["verify certificate --tsa-certificate-chain", (p) => [
      "verify",
      "certificate",
      "--signature",
      nodePath.join(CERT_MODEL, "model.sig"),
      "--certificate-chain",
      CA,
      "--tsa-certificate-chain",
      p,
      CERT_MODEL,
    ]],
    ["verify sigstore --trust-config", (p) => [
      "verify",
      "sigstore",
      "--identity",
      "a@example.com",
      "--identity-provider",
      "https://issuer.example",
      "--trust-config",
      p,
      "--signature",
      nodePath.join(SIGSTORE_MODEL, "model.sig"),
      SIGSTORE_MODEL,
    ]],
    [
      "sign key --private-key",
      (p) => ["sign", "key", "--private-key", p, "--signature", out, KEY_MODEL],
    ],
    ["sign certificate --private-key", (p) => [
      "sign",
      "certificate",
      "--private-key",
      p,
      "--signing-certificate",
      CERT,
      "--signature",
      out,
      KEY_MODEL,
    ]],
    ["sign certificate --signing-certificate", (p) => [
      "sign",
      "certificate",
      "--private-key",
      KEY,
      "--signing-certificate",
      p,
      "--signature",
      out,
      KEY_MODEL,
    ]],
    ["sign certificate --certificate-chain", (p) => [
      "sign",
      "certificate",
      "--private-key",
      KEY,
      "--signing-certificate",
      CERT,
      "--certificate-chain",
      p,
      "--signature",
      out,
      KEY_MODEL,
    ]],
    ["sign sigstore --trust-config", (p) => [
      "sign",
      "sigstore",
      "--trust-config",
      p,
      "--signature",
      out,
      KEY_MODEL,
    ]],
    [
      "sign key --oci-manifest",
      (p) => ["sign", "key", "--private-key", KEY, "--oci-manifest", p, "--signature", out],
    ],
    ["verify key --oci-manifest", (p) => [
      "verify",
      "key",
      ...keyModel,
      "--public-key",
      PUB,
      "--oci-manifest",
      p,
    ]],
  ];
}
