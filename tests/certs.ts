/**
 * Test helpers that mint X.509 certificates with `@peculiar/x509` and Web Crypto: the golden
 * root and intermediate CAs of docs/format.md §9.1 (loaded from `tests/testdata/keys`), fresh unrelated CAs,
 * and EC signing leaves with chosen curve, validity and usage extensions.
 *
 * @module
 */

import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import * as nodePath from "node:path";
import * as x509 from "../src/deps/x509.ts";
import { VECTORS } from "./fixtures.ts";

/** The golden key and certificate folder (`tests/testdata/keys/certificate`). */
export const CERT_KEYS = nodePath.join(VECTORS, "keys", "certificate");

/** A certificate authority tests can issue from. */
export interface CaHandle {
  /** Its certificate. */
  cert: x509.X509Certificate;
  /** Its certificate, DER. */
  certDer: Uint8Array;
  /** Its certificate, PEM. */
  certPem: string;
  /** Web Crypto key that signs what it issues. */
  signingKey: CryptoKey;
  /** The signature algorithm matching {@linkcode CaHandle.signingKey}. */
  signingAlgorithm: RsaHashedImportParams | EcdsaParams;
  /** DER of the CAs between this one and its root: itself first, the root excluded. */
  chain: Uint8Array[];
  /** DER of the self-signed root this CA leads to (itself if it is a root). */
  rootDer: Uint8Array;
}

/** EC curves a leaf can use. */
export type Curve = "P-256" | "P-384" | "P-521";

/** Options of {@linkcode mintLeaf}. */
export interface LeafOptions {
  /** Leaf key curve (default P-256). */
  curve?: Curve;
  /** Issuing CA: the golden `intermediate` (default), the golden `root`, or any handle. */
  issuer?: "intermediate" | "root" | CaHandle;
  /** Add keyUsage digitalSignature (critical); default true. */
  keyUsage?: boolean;
  /** Add extendedKeyUsage codeSigning; default true. */
  codeSigning?: boolean;
  /** Validity start (default: one hour ago). */
  notBefore?: Date;
  /** Validity end (default: one day from now). */
  notAfter?: Date;
  /** Subject distinguished name (default `CN=test-signer`). */
  subject?: string;
  /** Additional extensions, appended after the standard ones. */
  extensions?: x509.Extension[];
}

/** A minted leaf and its key. */
export interface MintedLeaf {
  /** The certificate. */
  cert: x509.X509Certificate;
  /** The certificate, PEM. */
  certPem: string;
  /** The certificate, DER. */
  certDer: Uint8Array;
  /** DER of the intermediates between the leaf and the root, nearest first (a bundle's tail). */
  chain: Uint8Array[];
  /** DER of the self-signed root the leaf leads to. */
  rootDer: Uint8Array;
  /** The leaf's private key, PKCS#8 PEM. */
  privateKeyPem: string;
  /** The leaf's private key. */
  privateKey: KeyObject;
}

/** Options of {@linkcode newCa}. */
export interface CaOptions {
  /** Parent CA; absent makes a self-signed root. */
  issuer?: CaHandle;
  /** Curve of the new ECDSA key (default P-256); the hash follows the curve. */
  curve?: Curve;
  /** Reuse this CA's key pair instead of making one (for certificates that share a key). */
  keyOf?: CaHandle;
  /** basicConstraints cA (default true); `null` leaves the extension out. */
  ca?: boolean | null;
  /** basicConstraints pathLenConstraint. */
  pathLength?: number;
  /**
   * Include keyCertSign in keyUsage (default true; false gives keyUsage digitalSignature;
   * `null` leaves the extension out).
   */
  keyCertSign?: boolean | null;
  /** Leave out every extension (a version 3 certificate with none). */
  noExtensions?: boolean;
  /** Subject key identifier, hex (default: derived from the key); lets a test imitate a CA. */
  subjectKeyId?: string;
  /** Validity start (default: 2020-01-01). */
  notBefore?: Date;
  /** Validity end (default: 2040-01-01). */
  notAfter?: Date;
}

const RSA_SHA256: RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

let golden: Promise<{ root: CaHandle; intermediate: CaHandle }> | undefined;

/**
 * The golden CAs of §9.1 (`ca-cert.pem` + `ca-priv.pem`, `int-ca-cert.pem` + `int-ca-priv.pem`),
 * loaded once. Their keys are RSA-3072 PKCS#1 PEMs behind a certtool text dump.
 */
export function goldenCas(): Promise<{ root: CaHandle; intermediate: CaHandle }> {
  golden ??= (async () => {
    const rootDer = readCertificateDer("ca-cert.pem");
    const root = await loadCa("ca-cert.pem", "ca-priv.pem", [], rootDer);
    const intDer = readCertificateDer("int-ca-cert.pem");
    const intermediate = await loadCa("int-ca-cert.pem", "int-ca-priv.pem", [intDer], rootDer);
    return { root, intermediate };
  })();
  return golden;
}

/**
 * Makes a new CA with an ECDSA key: a self-signed root (an "unrelated CA" when nothing
 * else chains to it) or, with `options.issuer`, an intermediate.
 *
 * @param name Common name of the CA.
 * @param options Constraints, usage and validity.
 */
export async function newCa(name: string, options: CaOptions = {}): Promise<CaHandle> {
  const own = options.keyOf
    ? {
      publicKey: options.keyOf.cert.publicKey,
      privateKey: options.keyOf.signingKey,
      algorithm: options.keyOf.signingAlgorithm,
    }
    : await newEcKey(options.curve ?? "P-256");
  const usages = options.keyCertSign === false
    ? x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const extensions: x509.Extension[] = [
    ...(options.ca === null
      ? []
      : [new x509.BasicConstraintsExtension(options.ca ?? true, options.pathLength, true)]),
    ...(options.keyCertSign === null ? [] : [new x509.KeyUsagesExtension(usages, true)]),
    options.subjectKeyId
      ? new x509.SubjectKeyIdentifierExtension(options.subjectKeyId)
      : await x509.SubjectKeyIdentifierExtension.create(own.publicKey),
  ];
  const parent = options.issuer;
  if (parent) extensions.push(...authorityKeyId(parent));
  if (options.noExtensions) extensions.length = 0;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${name}`,
    issuer: parent ? parent.cert.subject : `CN=${name}`,
    notBefore: options.notBefore ?? new Date("2020-01-01T00:00:00Z"),
    notAfter: options.notAfter ?? new Date("2040-01-01T00:00:00Z"),
    publicKey: own.publicKey,
    signingKey: parent ? parent.signingKey : own.privateKey,
    signingAlgorithm: parent ? parent.signingAlgorithm : own.algorithm,
    extensions,
  });
  const certDer = new Uint8Array(cert.rawData);
  return {
    cert,
    certDer,
    certPem: cert.toString("pem") + "\n",
    signingKey: own.privateKey,
    signingAlgorithm: own.algorithm,
    chain: parent ? [certDer, ...parent.chain] : [],
    rootDer: parent ? parent.rootDer : certDer,
  };
}

/** A Web Crypto ECDSA key pair and the signature algorithm that goes with its curve. */
async function newEcKey(curve: Curve) {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const hash = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" }[curve];
  return {
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
    algorithm: { name: "ECDSA", hash },
  };
}

/**
 * Mints an EC signing leaf. Defaults give a valid leaf under the golden intermediate with
 * keyUsage digitalSignature and EKU codeSigning, valid from an hour ago to tomorrow.
 *
 * @param options Curve, issuer, usage extensions and validity.
 */
export async function mintLeaf(options: LeafOptions = {}): Promise<MintedLeaf> {
  const issuer = typeof options.issuer === "object"
    ? options.issuer
    : (await goldenCas())[options.issuer ?? "intermediate"];
  // node:crypto makes the key: callers want a KeyObject and a PKCS#8 PEM of it.
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: options.curve ?? "P-256",
  });
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (options.keyUsage ?? true) {
    extensions.push(new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true));
  }
  if (options.codeSigning ?? true) {
    extensions.push(new x509.ExtendedKeyUsageExtension([CODE_SIGNING]));
  }
  extensions.push(
    await x509.SubjectKeyIdentifierExtension.create(spki),
    ...authorityKeyId(issuer),
    ...(options.extensions ?? []),
  );
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: options.subject ?? "CN=test-signer",
    issuer: issuer.cert.subject,
    notBefore: options.notBefore ?? new Date(now - 3_600_000),
    notAfter: options.notAfter ?? new Date(now + 86_400_000),
    publicKey: spki,
    signingKey: issuer.signingKey,
    signingAlgorithm: issuer.signingAlgorithm,
    extensions,
  });
  return {
    cert,
    certPem: cert.toString("pem") + "\n",
    certDer: new Uint8Array(cert.rawData),
    chain: issuer.chain,
    rootDer: issuer.rootDer,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    privateKey,
  };
}

/**
 * Writes certificates (DER) as one concatenated PEM file and returns its path.
 *
 * @param dir Folder to write into (e.g. from `tempDir()`).
 * @param name File name.
 * @param ders Certificates, in file order.
 */
export function writePemFile(dir: string, name: string, ...ders: Uint8Array[]): string {
  const path = nodePath.join(dir, name);
  Deno.writeTextFileSync(path, ders.map(toPem).join(""));
  return path;
}

/** PEM text (64-column base64, trailing newline) of one DER certificate. */
export function toPem(der: Uint8Array): string {
  return new x509.X509Certificate(new Uint8Array(der)).toString("pem") + "\n";
}

/** Reads a certificate of the golden key folder as DER. */
export function readCertificateDer(file: string): Uint8Array {
  return new Uint8Array(
    new x509.X509Certificate(Deno.readTextFileSync(nodePath.join(CERT_KEYS, file))).rawData,
  );
}

async function loadCa(
  certFile: string,
  keyFile: string,
  chain: Uint8Array[],
  rootDer: Uint8Array,
): Promise<CaHandle> {
  const certDer = readCertificateDer(certFile);
  // createPrivateKey skips certtool's text dump and reads PKCS#1; Web Crypto only takes PKCS#8.
  const pkcs8 = createPrivateKey(Deno.readTextFileSync(nodePath.join(CERT_KEYS, keyFile)))
    .export({ type: "pkcs8", format: "der" });
  const signingKey = await crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array(pkcs8),
    RSA_SHA256,
    false,
    ["sign"],
  );
  return {
    cert: new x509.X509Certificate(new Uint8Array(certDer)),
    certDer,
    certPem: toPem(certDer),
    signingKey,
    signingAlgorithm: RSA_SHA256,
    chain,
    rootDer,
  };
}

/** AKI naming the issuer's subject key identifier (every CA here has one). */
/** The AKI naming the issuer's SKI; none for an issuer without one (a version 1 root). */
function authorityKeyId(issuer: CaHandle): x509.Extension[] {
  const ski = issuer.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski ? [new x509.AuthorityKeyIdentifierExtension(ski.keyId)] : [];
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // positive INTEGER
  bytes[0] |= 0x01; // no leading zero byte
  return bytes.toString("hex");
}
