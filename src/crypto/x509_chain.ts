/**
 * X.509 path validation for the `certificate` method (docs/format.md §5.3) and for time-stamping
 * authorities (§5.8), replicating what the Python tool gets from pyOpenSSL's
 * `X509StoreContext.verify_certificate` with default OpenSSL parameters:
 *
 * - every certificate on the path must be valid at one validation time, which the caller chooses
 *   (docs/format.md §5.3: a timestamp's time, the current time, or the leaf's `notBefore` as the
 *   Python tool does);
 * - a path runs from the leaf through bundle intermediates to a self-signed certificate that is a
 *   trust anchor (no partial chains; a self-signed root found only in the bundle is not trusted);
 * - every issuer is a CA, may sign certificates, respects path-length limits, and signed the
 *   certificate below it; unknown critical extensions fail.
 *
 * Issuers are chosen by name, key identifiers and an actual signature check, and every candidate
 * is tried (depth-first, bounded), so a leaf whose issuer and subject names coincide (the golden
 * test leaf) does not end the search.
 *
 * @module
 */

import { createHash, type KeyObject, X509Certificate as NodeX509Certificate } from "node:crypto";
import { rootCertificates } from "node:tls";
import * as x509 from "../deps/x509.ts";
import { CertificateError } from "../errors.ts";
import { readInputText } from "../util/input_file.ts";
import { fromBase64 } from "../util/encoding.ts";

/** What a successful validation yields. */
export interface ChainValidationResult {
  /** The validated leaf (signing) certificate. */
  leaf: NodeX509Certificate;
  /** The leaf's public key; the caller checks that it is EC on an accepted curve. */
  leafPublicKey: KeyObject;
  /**
   * SHA-256 fingerprints of the DER (`AA:BB:…`) for `--log-fingerprints`: trust anchors in load
   * order, and bundle certificates with the intermediates first and the leaf last.
   */
  fingerprints: { trusted: string[]; bundle: string[] };
  /** Non-fatal findings about the leaf's usage extensions, to log at WARNING level. */
  warnings: string[];
}

/**
 * When a path must be valid: an instant, or `"leaf-not-before"` (the leaf's own `notBefore`, the
 * Python tool's rule, which accepts an expired leaf).
 */
export type ValidationTime = Date | "leaf-not-before";

/** What {@linkcode validatePath} yields: the parsed leaf and the fingerprints. */
export interface ValidatedPath {
  /** The leaf, parsed. */
  leaf: x509.X509Certificate;
  /** As in {@linkcode ChainValidationResult.fingerprints}. */
  fingerprints: { trusted: string[]; bundle: string[] };
}

/** Result of {@linkcode leafUsageAllowsSigning}. */
export interface LeafUsage {
  /** Whether the leaf may sign (digitalSignature, else EKU codeSigning). */
  allowed: boolean;
  /** Missing-extension notices, in the order Python logs them. */
  warnings: string[];
}

/** Longest path searched (leaf included). */
const MAX_PATH_LENGTH = 10;
/** Issuer candidates tried in all; certificates that cross-sign each other could otherwise make
 * the number of paths explode. */
const MAX_ISSUER_ATTEMPTS = 100;

const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const NAME_CONSTRAINTS = "2.5.29.30";

/** Critical extensions OpenSSL accepts by default (`X509_supported_extension`), minus the ones we
 * cannot enforce (name constraints are rejected on issuers; RFC 3779 and proxy extensions fail). */
const SUPPORTED_CRITICAL = new Set([
  "2.5.29.15", // keyUsage
  "2.5.29.17", // subjectAltName
  "2.5.29.19", // basicConstraints
  "2.5.29.31", // cRLDistributionPoints
  "2.5.29.32", // certificatePolicies
  "2.5.29.33", // policyMappings
  "2.5.29.36", // policyConstraints
  "2.5.29.37", // extKeyUsage
  "2.5.29.54", // inhibitAnyPolicy
  NAME_CONSTRAINTS, // accepted on a leaf (it constrains nothing below); refused on issuers
  "1.3.6.1.5.5.7.48.1.5", // id-pkix-ocsp-nocheck
  "2.16.840.1.113730.1.1", // netscape-cert-type
]);

/** Signature schemes accepted on certificates below the trust anchor (no SHA-1, no MD5). */
const SIGNATURE_SCHEMES = new Set(["RSASSA-PKCS1-v1_5", "RSA-PSS", "ECDSA"]);
const SIGNATURE_HASHES = new Set(["SHA-256", "SHA-384", "SHA-512"]);

/** One parsed certificate taking part in the search. */
interface Candidate {
  cert: x509.X509Certificate;
  fingerprint: string;
  trusted: boolean;
  label: string;
}

/**
 * SHA-256 fingerprint of DER bytes as upper-case hex pairs joined by `:` (Python's
 * `--log-fingerprints` format).
 */
export function certificateFingerprint(der: Uint8Array): string {
  const hex = createHash("sha256").update(der).digest("hex").toUpperCase();
  return hex.match(/../g)!.join(":");
}

/**
 * Subject, issuer (one line each, `, `-separated) and fingerprints of a
 * certificate list, signing certificate first: what reports show of a signer.
 */
export function describeCertificates(ders: readonly Uint8Array[]): {
  subject: string;
  issuer: string;
  fingerprints: string[];
} {
  const leaf = new NodeX509Certificate(ders[0]);
  const oneLine = (name: string) => name.split("\n").join(", ");
  return {
    subject: oneLine(leaf.subject),
    issuer: oneLine(leaf.issuer),
    fingerprints: ders.map(certificateFingerprint),
  };
}

/**
 * Validates the signing certificate's path to a trust anchor (docs/format.md §5.3), then the leaf
 * usage rule.
 *
 * @param leafDer The leaf, `x509CertificateChain.certificates[0]`.
 * @param intermediatesDer Untrusted bundle certificates, `certificates[1:]`.
 * @param trustAnchorsDer Trusted certificates (only self-signed ones end a path).
 * @param time When every certificate on the path must be valid (default: now).
 * @returns The leaf, its key, fingerprints and usage warnings.
 * @throws {CertificateError} With a one-line reason when a certificate cannot be parsed, no valid
 * path exists, or the leaf may not sign.
 */
export async function validateCertificateChain(
  leafDer: Uint8Array,
  intermediatesDer: Uint8Array[],
  trustAnchorsDer: Uint8Array[],
  time: ValidationTime = new Date(),
): Promise<ChainValidationResult> {
  const { leaf, fingerprints } = await validatePath(leafDer, intermediatesDer, trustAnchorsDer, {
    time,
    leafRole: "signing certificate",
    bundleRole: (i) => `bundle certificate ${i + 2}`,
  });
  const usage = leafUsage(leaf);
  if (!usage.allowed) throw new CertificateError("Signing certificate cannot be used for signing");

  let nodeLeaf: NodeX509Certificate;
  try {
    nodeLeaf = new NodeX509Certificate(leafDer);
  } catch (cause) {
    throw new CertificateError(`signing certificate cannot be loaded: ${message(cause)}`, {
      cause,
    });
  }
  return {
    leaf: nodeLeaf,
    leafPublicKey: nodeLeaf.publicKey,
    fingerprints,
    warnings: usage.warnings,
  };
}

/** How {@linkcode validatePath} names the certificates in its messages, and when it checks. */
export interface PathOptions {
  /** When every certificate on the path must be valid. */
  readonly time: ValidationTime;
  /** The leaf's role, e.g. `signing certificate`. */
  readonly leafRole: string;
  /** The role of untrusted certificate `i` (0-based), e.g. `bundle certificate 2`. */
  readonly bundleRole: (i: number) => string;
}

/**
 * The path search alone, without a usage rule for the leaf (the caller has its own: code signing
 * for a signing certificate, time stamping for a TSA).
 *
 * @param leafDer The leaf certificate.
 * @param intermediatesDer Untrusted certificates that may lie on the path.
 * @param trustAnchorsDer Trusted certificates (only self-signed ones end a path).
 * @param options Validation time and the names used in messages.
 * @throws {CertificateError} With a one-line reason when a certificate cannot be parsed or no valid
 * path exists.
 */
export async function validatePath(
  leafDer: Uint8Array,
  intermediatesDer: readonly Uint8Array[],
  trustAnchorsDer: readonly Uint8Array[],
  options: PathOptions,
): Promise<ValidatedPath> {
  const leaf = parseCertificate(leafDer, options.leafRole);
  const anchors = trustAnchorsDer.map((der, i) => ({
    der,
    cert: parseCertificate(der, `trust anchor ${i + 1}`),
    role: "trust anchor",
  }));
  const intermediates = intermediatesDer.map((der, i) => {
    const role = options.bundleRole(i);
    return { der, cert: parseCertificate(der, role), role };
  });
  const fingerprints = {
    trusted: anchors.map((a) => certificateFingerprint(a.der)),
    bundle: [...intermediates, { der: leafDer }].map((c) => certificateFingerprint(c.der)),
  };

  // One pool entry per distinct certificate, anchors first (OpenSSL's "trusted first"); a bundle
  // certificate equal to an anchor is trusted.
  const pool = new Map<string, Candidate>();
  const poolFingerprints = [...fingerprints.trusted, ...fingerprints.bundle];
  [...anchors, ...intermediates].forEach(({ cert, role }, i) => {
    const fingerprint = poolFingerprints[i];
    if (pool.has(fingerprint)) return;
    pool.set(fingerprint, {
      cert,
      fingerprint,
      trusted: i < anchors.length,
      label: describe(cert, role),
    });
  });
  const leafFingerprint = fingerprints.bundle[intermediates.length];
  const start: Candidate = pool.get(leafFingerprint) ??
    { cert: leaf, fingerprint: leafFingerprint, trusted: false, label: describe(leaf, "leaf") };

  const time = options.time === "leaf-not-before" ? leaf.notBefore : options.time;
  const leafProblem = extensionProblem(leaf, start.label, false) ??
    timeProblem(leaf, start.label, time);
  if (leafProblem) {
    throw new CertificateError(`Certificate chain does not validate: ${leafProblem}`);
  }

  const search = new PathSearch([...pool.values()], time);
  if (!(await search.extend([start]))) {
    throw new CertificateError(`Certificate chain does not validate: ${search.reason()}`);
  }
  return { leaf, fingerprints };
}

/**
 * The leaf usage rule of Python HEAD: allowed if keyUsage has digitalSignature; otherwise if
 * extendedKeyUsage contains codeSigning. A missing keyUsage is only a warning, and so is a missing
 * extendedKeyUsage when it had to be consulted.
 *
 * @param leafDer The signing certificate, DER.
 * @returns Whether it may sign, and the warnings to log.
 * @throws {CertificateError} If the certificate cannot be parsed.
 */
export function leafUsageAllowsSigning(leafDer: Uint8Array): LeafUsage {
  return leafUsage(parseCertificate(leafDer, "signing certificate"));
}

function leafUsage(leaf: x509.X509Certificate): LeafUsage {
  const warnings: string[] = [];
  const keyUsage = leaf.getExtension(x509.KeyUsagesExtension);
  let allowed = false;
  if (keyUsage) allowed = (keyUsage.usages & x509.KeyUsageFlags.digitalSignature) !== 0;
  else warnings.push("Certificate does not specify 'KeyUsage'.");
  if (!allowed) {
    const extended = leaf.getExtension(x509.ExtendedKeyUsageExtension);
    if (extended) allowed = extended.usages.includes(CODE_SIGNING);
    else warnings.push("Certificate does not specify 'ExtendedKeyUsage'.");
  }
  return { allowed, warnings };
}

/** Largest certificate file read: CA bundles of every public root are well under 1 MiB. */
export const MAX_CERTIFICATE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads every `CERTIFICATE` PEM block of a file (text around the blocks is ignored).
 *
 * @param path The PEM file.
 * @returns The DER of each certificate, in file order.
 * @throws {CertificateError} Naming the file if it cannot be read, holds no certificate, or a
 * block is not valid base64 or not an X.509 certificate.
 */
export function readPemCertificates(path: string): Uint8Array[] {
  const text = readInputText(path, {
    what: "certificate file",
    maxBytes: MAX_CERTIFICATE_FILE_BYTES,
    error: (message, cause) => new CertificateError(message, { cause }),
  });
  return pemCertificates(text, `certificate file ${path}`);
}

/**
 * The DER of the certificates Deno's `node:tls` ships (Mozilla's bundle), the default trust
 * anchors when no `--certificate-chain` is given. Deno lets them be read only with
 * `--allow-sys`.
 *
 * @throws {CertificateError} without that permission.
 */
export function systemTrustAnchors(): Uint8Array[] {
  let roots: string;
  try {
    roots = rootCertificates.join("\n"); // Deno checks the permission on first use
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied)) {
      throw e;
    }
    throw new CertificateError(
      "Reading the root certificates Deno ships needs --allow-sys; or name the trusted CA certificates with --certificate-chain",
      { cause: e },
    );
  }
  return pemCertificates(roots, "the system root certificates");
}

/** Decodes and checks all `CERTIFICATE` blocks of PEM text; `source` names it in errors. */
function pemCertificates(text: string, source: string): Uint8Array[] {
  const blocks = [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----/g)];
  const begins = text.split("-----BEGIN CERTIFICATE-----").length - 1;
  if (begins === 0) throw new CertificateError(`No PEM certificate found in ${source}`);
  if (blocks.length !== begins) {
    throw new CertificateError(`Malformed PEM certificate block in ${source}`);
  }
  return blocks.map((block, i) => {
    const body = block[1].replace(/\s+/g, "");
    const der = body.length > 0 ? fromBase64(body) : undefined;
    if (!der) {
      throw new CertificateError(`PEM certificate ${i + 1} in ${source} is not valid base64`);
    }
    parseCertificate(der, `PEM certificate ${i + 1} in ${source}`);
    return der;
  });
}

/** Parses DER, forcing extension decoding so malformed extensions fail here. */
function parseCertificate(der: Uint8Array, what: string): x509.X509Certificate {
  try {
    const cert = new x509.X509Certificate(new Uint8Array(der));
    void cert.extensions;
    void cert.publicKey.algorithm;
    return cert;
  } catch (cause) {
    throw new CertificateError(`${what} is not a valid X.509 certificate: ${message(cause)}`, {
      cause,
    });
  }
}

/**
 * Depth-first search over every plausible issuer, remembering the failure found deepest in the
 * tree so the error explains the path that came closest.
 */
class PathSearch {
  readonly #pool: Candidate[];
  readonly #time: Date;
  readonly #signatureChecks = new Map<string, Promise<string | undefined>>();
  #failure: { depth: number; reason: string } | undefined;
  #attempts = 0;

  constructor(pool: Candidate[], time: Date) {
    this.#pool = pool;
    this.#time = time;
  }

  /** The reason of the failure that came closest to a trusted root. */
  reason(): string {
    if (this.#attempts > MAX_ISSUER_ATTEMPTS) {
      return `no valid path found within ${MAX_ISSUER_ATTEMPTS} candidate issuers`;
    }
    return this.#failure?.reason ?? "no certificate path found";
  }

  /** Extends `path` (leaf first) to a trusted self-signed anchor; true when one was reached. */
  async extend(path: Candidate[]): Promise<boolean> {
    const current = path[path.length - 1];
    if (current.trusted && isSelfSigned(current.cert)) return true;
    if (path.length >= MAX_PATH_LENGTH) {
      this.#fail(path.length, `no trusted root within ${MAX_PATH_LENGTH} certificates`);
      return false;
    }
    let named = 0;
    for (const issuer of this.#pool) {
      if (path.includes(issuer) || !mayHaveIssued(issuer.cert, current.cert)) continue;
      if (++this.#attempts > MAX_ISSUER_ATTEMPTS) return false;
      named++;
      const problem = await this.#signedBy(current, issuer) ??
        issuerProblem(issuer, path, this.#time);
      if (problem) {
        this.#fail(path.length + 1, problem);
        continue;
      }
      if (await this.extend([...path, issuer])) return true;
    }
    if (named === 0) this.#fail(path.length, deadEnd(current));
    return false;
  }

  #fail(depth: number, reason: string): void {
    if (!this.#failure || depth > this.#failure.depth) this.#failure = { depth, reason };
  }

  /** Checks (once per pair) that `issuer`'s key verifies `child`'s signature. */
  #signedBy(child: Candidate, issuer: Candidate): Promise<string | undefined> {
    const key = `${child.fingerprint}>${issuer.fingerprint}`;
    let check = this.#signatureChecks.get(key);
    if (!check) {
      check = verifySignature(child, issuer);
      this.#signatureChecks.set(key, check);
    }
    return check;
  }
}

/** Why the search stops at `cert` when no certificate carries its issuer's name. */
function deadEnd(current: Candidate): string {
  const { cert, label } = current;
  if (current.trusted) {
    return `${label} is trusted but not self-signed, and its issuer "${cert.issuer}" was not ` +
      `found (partial chains are not accepted)`;
  }
  if (isSelfSigned(cert)) return `self-signed ${label} is not a trust anchor`;
  return `issuer "${cert.issuer}" of ${label} not found among the bundle and trust anchors`;
}

async function verifySignature(child: Candidate, issuer: Candidate): Promise<string | undefined> {
  const algorithm = child.cert.signatureAlgorithm;
  const hash = typeof algorithm.hash === "string" ? algorithm.hash : algorithm.hash?.name;
  if (!SIGNATURE_SCHEMES.has(algorithm.name) || !SIGNATURE_HASHES.has(hash ?? "")) {
    return `${child.label} uses an unsupported signature algorithm (${algorithm.name} ${
      hash ?? ""
    })`;
  }
  let valid: boolean;
  try {
    valid = await child.cert.verify({ publicKey: issuer.cert.publicKey, signatureOnly: true });
  } catch {
    valid = false; // key and signature algorithm do not fit together
  }
  return valid
    ? undefined
    : `signature of ${child.label} does not verify with the key of ${issuer.label}`;
}

/** Constraints on a certificate used as the issuer at position `path.length`. */
function issuerProblem(issuer: Candidate, path: Candidate[], time: Date): string | undefined {
  const { cert, label } = issuer;
  const constraints = cert.getExtension(x509.BasicConstraintsExtension);
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  // As OpenSSL's default (non-strict) checks: basicConstraints decides when present. Without
  // it, only the trust anchor at the top of the path may be a CA, when it is a version 1
  // self-signed certificate or has a keyUsage extension (which must then allow keyCertSign).
  const anchor = issuer.trusted && isSelfSigned(cert);
  const isCa = constraints
    ? constraints.ca
    : anchor && (keyUsage !== null || certificateVersion(cert) === 1);
  if (!isCa) return `${label} is not a CA (basicConstraints cA is not TRUE)`;
  if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    return `${label} may not sign certificates (keyUsage lacks keyCertSign)`;
  }
  // Self-issued intermediates do not count towards path-length limits (RFC 5280 §4.2.1.9).
  const below = path.slice(1).filter((c) => !isSelfIssued(c.cert)).length;
  if (constraints?.pathLength !== undefined && below > constraints.pathLength) {
    return `${label} allows ${constraints.pathLength} intermediate certificate(s) below it, ` +
      `found ${below}`;
  }
  return extensionProblem(cert, label, true) ?? timeProblem(cert, label, time);
}

/** Unknown or unenforceable critical extensions, and duplicated extensions. */
function extensionProblem(
  cert: x509.X509Certificate,
  label: string,
  asIssuer: boolean,
): string | undefined {
  const seen = new Set<string>();
  for (const extension of cert.extensions) {
    if (seen.has(extension.type)) return `${label} repeats extension ${extension.type}`;
    seen.add(extension.type);
    if (extension.critical && !SUPPORTED_CRITICAL.has(extension.type)) {
      return `${label} has an unsupported critical extension ${extension.type}`;
    }
    if (asIssuer && extension.type === NAME_CONSTRAINTS) {
      return `${label} has name constraints, which are not supported`;
    }
  }
  return undefined;
}

/** `notBefore ≤ time < notAfter`, as OpenSSL compares them. */
function timeProblem(cert: x509.X509Certificate, label: string, time: Date): string | undefined {
  const at = time.toISOString();
  if (cert.notBefore > time) {
    return `${label} is not yet valid at ${at} (notBefore ${cert.notBefore.toISOString()})`;
  }
  if (cert.notAfter <= time) {
    return `${label} has expired at ${at} (notAfter ${cert.notAfter.toISOString()})`;
  }
  return undefined;
}

/** Name and key-identifier match (OpenSSL `X509_check_issued`, without the signature). */
function mayHaveIssued(issuer: x509.X509Certificate, child: x509.X509Certificate): boolean {
  return sameName(issuer.subjectName, child.issuerName) && authorityKeyMatches(child, issuer);
}

/** Subject and issuer names are equal (RFC 5280 "self-issued"). */
function isSelfIssued(cert: x509.X509Certificate): boolean {
  return sameName(cert.subjectName, cert.issuerName);
}

/**
 * OpenSSL's self-signed test (`EXFLAG_SS`): self-issued, its authority key identifier points at
 * its own key, and the signature algorithm fits the key type. As in OpenSSL, the self-signature
 * of a trust anchor is not checked: trusting it is the user's decision.
 */
/**
 * The certificate's version, 1 to 3: TBSCertificate's `[0] EXPLICIT` version field, which
 * DER leaves out for version 1 (RFC 5280 §4.1). `@peculiar/x509` does not expose it.
 */
function certificateVersion(cert: x509.X509Certificate): number {
  const der = new Uint8Array(cert.rawData);
  let at = 0;
  // Steps over one tag and its length (the certificate parsed, so they are well formed).
  const enter = () => {
    const length = der[at + 1];
    at += 2 + (length & 0x80 ? length & 0x7f : 0);
  };
  enter(); // Certificate SEQUENCE
  enter(); // TBSCertificate SEQUENCE
  if (der[at] !== 0xa0) return 1;
  enter(); // [0]
  enter(); // INTEGER, one byte: 0, 1 or 2
  return der[at] + 1;
}

function isSelfSigned(cert: x509.X509Certificate): boolean {
  return isSelfIssued(cert) && authorityKeyMatches(cert, cert) &&
    keyFitsSignature(cert.publicKey.algorithm.name, cert.signatureAlgorithm.name);
}

function keyFitsSignature(keyAlgorithm: string, signatureAlgorithm: string): boolean {
  const rsa = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
  if (rsa.includes(keyAlgorithm)) return rsa.includes(signatureAlgorithm);
  return keyAlgorithm === signatureAlgorithm;
}

/** The child's authority key identifier (if any) agrees with the issuer's SKI and serial. */
function authorityKeyMatches(child: x509.X509Certificate, issuer: x509.X509Certificate): boolean {
  const authority = child.getExtension(x509.AuthorityKeyIdentifierExtension);
  if (!authority) return true;
  const subjectKey = issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (
    authority.keyId && subjectKey &&
    authority.keyId.toLowerCase() !== subjectKey.keyId.toLowerCase()
  ) {
    return false;
  }
  const serial = authority.certId?.serialNumber;
  return !serial || normalSerial(serial) === normalSerial(issuer.serialNumber);
}

function normalSerial(hex: string): string {
  return hex.toLowerCase().replace(/^0+(?=.)/, "");
}

/** Name equality in the spirit of OpenSSL's canonical comparison (case and spacing folded). */
function sameName(a: x509.Name, b: x509.Name): boolean {
  const canonical = (name: x509.Name) => name.toString().trim().replace(/\s+/g, " ").toLowerCase();
  return canonical(a) === canonical(b);
}

function describe(cert: x509.X509Certificate, role: string): string {
  return `${role} "${cert.subject}"`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
