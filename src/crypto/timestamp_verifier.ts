/**
 * Verification of the RFC 3161 timestamps in a bundle (docs/format.md §5.8) against the TSA
 * certificates a verifier trusts (`--tsa-certificate-chain`). For each token: the message imprint
 * is a hash of the DSSE signature bytes; the CMS `SignedData` has one signer whose signed
 * attributes carry content type id-ct-TSTInfo and the digest of the `TSTInfo`, and whose signature
 * over them verifies with the TSA certificate the signer identifier names; that certificate has the
 * critical extended key usage id-kp-timeStamping alone (RFC 3161 §2.3) and a path to a
 * self-signed root among the trusted certificates, valid at the token's `genTime`.
 *
 * Not checked, by design (docs/security.md): the nonce (only the signer saw the request; it is
 * checked at signing), the TSA policy (any; trust is in the TSA's certificate), the accuracy, and
 * revocation. The ESS signing-certificate attribute is not compared: the signer identifier and the
 * signature check already bind the certificate's key.
 *
 * @module
 */

import { createHash, verify as verifySignature, X509Certificate } from "node:crypto";
import * as asn1 from "../deps/asn1.ts";
import * as x509 from "../deps/x509.ts";
import { TimestampError } from "../errors.ts";
import type { SignerInfo, VerificationLog } from "../format/contracts.ts";
import { toHex } from "../util/encoding.ts";
import {
  HASH_OIDS,
  imprintProblem,
  parseToken,
  sameInteger,
  signedAttributesDer,
} from "./rfc3161.ts";
import { readPemCertificates, validatePath } from "./x509_chain.ts";

/** What a verified timestamp tells. */
export interface VerifiedTimestamp {
  /** When the TSA saw the signature (`TSTInfo.genTime`). */
  readonly genTime: Date;
  /** The TSA certificate's subject. */
  readonly tsa: string;
  /** The TSA policy the token was issued under (an OID). */
  readonly policy: string;
}

const TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
/** DER of the OBJECT IDENTIFIER id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4), the content type. */
const TST_INFO_OID_DER = "060b2a864886f70d0109100104";

/** Signature algorithms of the signer: the key type, and the hash when the OID names one. */
const SIGNATURES = new Map<string, { key: "ec" | "rsa"; hash?: string }>([
  ["1.2.840.10045.2.1", { key: "ec" }], // id-ecPublicKey: the digest algorithm's hash
  ["1.2.840.10045.4.3.2", { key: "ec", hash: "sha256" }],
  ["1.2.840.10045.4.3.3", { key: "ec", hash: "sha384" }],
  ["1.2.840.10045.4.3.4", { key: "ec", hash: "sha512" }],
  ["1.2.840.113549.1.1.1", { key: "rsa" }], // rsaEncryption: PKCS #1 v1.5, the digest's hash
  ["1.2.840.113549.1.1.11", { key: "rsa", hash: "sha256" }],
  ["1.2.840.113549.1.1.12", { key: "rsa", hash: "sha384" }],
  ["1.2.840.113549.1.1.13", { key: "rsa", hash: "sha512" }],
]);

/** Verifies RFC 3161 timestamps against a set of trusted TSA certificates. */
export class TimestampVerifier {
  readonly #trusted: readonly Uint8Array[];

  /**
   * Trusts the given certificates for timestamps.
   *
   * @param trustedDer The TSA certificates and their chains up to self-signed roots (DER); a path
   * must end at one of the self-signed ones.
   */
  constructor(trustedDer: readonly Uint8Array[]) {
    this.#trusted = trustedDer;
  }

  /**
   * Reads the trusted TSA certificates from PEM files (`--tsa-certificate-chain`).
   *
   * @throws {CertificateError} Naming a file that cannot be read or holds no certificate.
   */
  static fromFiles(paths: readonly string[]): TimestampVerifier {
    return new TimestampVerifier(paths.flatMap((p) => readPemCertificates(p)));
  }

  /**
   * Verifies every token over `signature`; at least one must be present.
   *
   * @param tokens DER `TimeStampToken`s, in bundle order.
   * @param signature The DSSE signature bytes the tokens must cover.
   * @param log Receives one INFO line per verified timestamp.
   * @returns What each token tells, in order.
   * @throws {TimestampError} `timestamp N: reason` for the first token that fails, or when there is
   * none.
   */
  async verify(
    tokens: readonly Uint8Array[],
    signature: Uint8Array,
    log: VerificationLog = () => {},
  ): Promise<VerifiedTimestamp[]> {
    if (tokens.length === 0) {
      throw new TimestampError(
        "The signature carries no RFC 3161 timestamp, but TSA certificates were given to verify one.",
      );
    }
    const verified: VerifiedTimestamp[] = [];
    for (const [i, token] of tokens.entries()) {
      try {
        verified.push(await this.#verifyOne(token, signature));
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new TimestampError(`timestamp ${i + 1}: ${reason}`, { cause });
      }
    }
    verified.forEach((t, i) =>
      log("INFO", `Timestamp ${i + 1}: ${t.genTime.toISOString()} by ${t.tsa}`)
    );
    return verified;
  }

  /**
   * The `timestamps` member of a verifier's {@linkcode SignerInfo}, for what
   * {@linkcode TimestampVerifier.verify} returned.
   */
  describe(verified: readonly VerifiedTimestamp[]): Pick<SignerInfo, "timestamps"> {
    return { timestamps: verified.map((t) => ({ genTime: t.genTime.toISOString(), tsa: t.tsa })) };
  }

  async #verifyOne(token: Uint8Array, signature: Uint8Array): Promise<VerifiedTimestamp> {
    const { signedData, eContent, tstInfo } = parseToken(token);
    const imprint = imprintProblem(tstInfo, signature);
    if (imprint) throw new Error(imprint);
    if (signedData.signerInfos.length !== 1) {
      throw new Error(`the token has ${signedData.signerInfos.length} signers, not one`);
    }
    const signer = signedData.signerInfos[0];
    const digest = HASH_OIDS.get(signer.digestAlgorithm.algorithm);
    if (!digest) {
      throw new Error(`unsupported digest algorithm ${signer.digestAlgorithm.algorithm}`);
    }
    checkSignedAttributes(signer, createHash(digest).update(eContent).digest("hex"));

    const embedded = (signedData.certificates ?? []).flatMap((c) =>
      c.certificate ? [new Uint8Array(asn1.AsnConvert.serialize(c.certificate))] : []
    );
    const tsaDer = [...embedded, ...this.#trusted].find((der) => identifies(signer.sid, der));
    if (!tsaDer) {
      throw new Error(
        "the TSA certificate the token names is neither in the token nor among the TSA certificates",
      );
    }
    checkSignerSignature(signer, digest, tsaDer);

    const genTime = tstInfo.genTime;
    let path;
    try {
      path = await validatePath(tsaDer, embedded, this.#trusted, {
        time: genTime,
        leafRole: "TSA certificate",
        bundleRole: (i) => `token certificate ${i + 1}`,
      });
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`TSA ${reason.replace(/^Certificate/, "certificate")}`);
    }
    checkTimeStampingUsage(path.leaf);
    return { genTime, tsa: path.leaf.subject, policy: tstInfo.policy };
  }
}

/** RFC 5652 §5.3: signed attributes hold one content type (id-ct-TSTInfo) and one digest. */
function checkSignedAttributes(signer: asn1.SignerInfo, eContentDigestHex: string): void {
  const attributes = signer.signedAttrs;
  if (!attributes || attributes.length === 0) throw new Error("the token has no signed attributes");
  const single = (type: string, name: string): ArrayBuffer => {
    const found = attributes.filter((a) => a.attrType === type);
    if (found.length !== 1 || found[0].attrValues.length !== 1) {
      throw new Error(`the signed attributes need exactly one ${name}`);
    }
    return found[0].attrValues[0];
  };
  const contentType = toHex(new Uint8Array(single(asn1.id_contentType, "content type")));
  if (contentType !== TST_INFO_OID_DER) {
    throw new Error("the signed content-type attribute is not id-ct-TSTInfo");
  }
  let messageDigest: Uint8Array;
  try {
    const value = single(asn1.id_messageDigest, "message digest");
    messageDigest = new Uint8Array(asn1.AsnConvert.parse(value, asn1.OctetString).buffer);
  } catch (cause) {
    throw cause instanceof Error && cause.message.startsWith("the signed")
      ? cause
      : new Error("the signed message-digest attribute is not an OCTET STRING");
  }
  if (toHex(messageDigest) !== eContentDigestHex) {
    throw new Error("the signed message digest does not match the TSTInfo");
  }
}

/** The signer's signature over its DER signed attributes (as a SET OF, RFC 5652 §5.4). */
function checkSignerSignature(signer: asn1.SignerInfo, digest: string, tsaDer: Uint8Array): void {
  const algorithm = SIGNATURES.get(signer.signatureAlgorithm.algorithm);
  if (!algorithm) {
    throw new Error(`unsupported signature algorithm ${signer.signatureAlgorithm.algorithm}`);
  }
  if (algorithm.hash && algorithm.hash !== digest) {
    throw new Error(`the signature algorithm's hash ${algorithm.hash} is not the digest ${digest}`);
  }
  const key = new X509Certificate(tsaDer).publicKey;
  if (key.asymmetricKeyType !== algorithm.key) {
    throw new Error(
      `the TSA certificate's ${key.asymmetricKeyType} key cannot make this signature`,
    );
  }
  const signed = signedAttributesDer(signer.signedAttrs!);
  let valid: boolean;
  try {
    valid = verifySignature(digest, signed, key, new Uint8Array(signer.signature.buffer));
  } catch {
    valid = false;
  }
  if (!valid) throw new Error("the TSA's signature does not verify");
}

/** Whether `der` is the certificate the signer identifier names (issuer + serial, or key id). */
function identifies(sid: asn1.SignerIdentifier, der: Uint8Array): boolean {
  const cert = asn1.AsnConvert.parse(der, asn1.Certificate).tbsCertificate;
  if (sid.issuerAndSerialNumber) {
    const wanted = sid.issuerAndSerialNumber;
    return toHex(new Uint8Array(asn1.AsnConvert.serialize(wanted.issuer))) ===
        toHex(new Uint8Array(asn1.AsnConvert.serialize(cert.issuer))) &&
      sameInteger(new Uint8Array(wanted.serialNumber), new Uint8Array(cert.serialNumber));
  }
  if (sid.subjectKeyIdentifier) {
    const ski = new x509.X509Certificate(new Uint8Array(der)).getExtension(
      x509.SubjectKeyIdentifierExtension,
    );
    return ski?.keyId.toLowerCase() === toHex(new Uint8Array(sid.subjectKeyIdentifier.buffer));
  }
  return false;
}

/** RFC 3161 §2.3: exactly one extended key usage, id-kp-timeStamping, marked critical. */
function checkTimeStampingUsage(cert: x509.X509Certificate): void {
  const usages = cert.extensions.filter((e) => e.type === "2.5.29.37");
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (usages.length !== 1 || !eku || eku.usages.length !== 1 || eku.usages[0] !== TIME_STAMPING) {
    throw new Error(
      `TSA certificate "${cert.subject}" does not have the extended key usage timeStamping alone`,
    );
  }
  if (!eku.critical) {
    throw new Error(`TSA certificate "${cert.subject}" has a non-critical extended key usage`);
  }
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  const signing = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation;
  if (keyUsage && (keyUsage.usages & signing) === 0) {
    throw new Error(`TSA certificate "${cert.subject}" may not sign (keyUsage)`);
  }
}
