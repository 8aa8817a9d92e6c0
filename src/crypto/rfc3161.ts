/**
 * RFC 3161 time-stamp protocol messages (docs/format.md §4.6): the request this tool sends, the
 * checks on the TSA's response before its token is kept, and the parsing of a token into its CMS
 * `SignedData` and `TSTInfo`. Verifying a token's signature and its TSA's certificates is
 * `timestamp_verifier.ts`'s job.
 *
 * @module
 */

import { createHash, randomBytes } from "node:crypto";
import * as asn1 from "../deps/asn1.ts";
import { escapeForDisplay } from "../errors.ts";
import { toHex } from "../util/encoding.ts";

/**
 * Hash algorithms a message imprint or a token's signer may use, by OID (no SHA-1, no MD5).
 */
export const HASH_OIDS: ReadonlyMap<string, "sha256" | "sha384" | "sha512"> = new Map([
  ["2.16.840.1.101.3.4.2.1", "sha256"],
  ["2.16.840.1.101.3.4.2.2", "sha384"],
  ["2.16.840.1.101.3.4.2.3", "sha512"],
]);
const SHA256_OID = "2.16.840.1.101.3.4.2.1";

/** Largest token or response accepted: real ones are a few kilobytes (certificates included). */
export const MAX_TIMESTAMP_BYTES = 1024 * 1024;

/** Bounds for the DER parser on untrusted input. */
const BER_LIMITS = {
  berOptions: { maxDepth: 64, maxNodes: 20_000, maxContentLength: MAX_TIMESTAMP_BYTES },
};

/** A request as sent, remembered to check the answer. */
export interface TimestampRequest {
  /** DER `TimeStampReq`. */
  readonly der: Uint8Array<ArrayBuffer>;
  /** SHA-256 of the signature bytes. */
  readonly imprint: Uint8Array;
  /** The random nonce, as the minimal big-endian bytes of a positive integer. */
  readonly nonce: Uint8Array;
}

/** A token taken apart (nothing in it is verified yet). */
export interface ParsedToken {
  /** The CMS `SignedData` of the token's `ContentInfo`. */
  readonly signedData: asn1.SignedData;
  /** The `eContent` octets, the DER `TSTInfo` the signer's messageDigest covers. */
  readonly eContent: Uint8Array;
  /** The parsed `TSTInfo`. */
  readonly tstInfo: asn1.TSTInfo;
}

/**
 * Builds the request for a timestamp over `signature` (the raw DSSE signature bytes, as Sigstore
 * bundles timestamp them): SHA-256 message imprint, a random 64-bit nonce, `certReq` true (the
 * token then carries the TSA's certificate), no policy.
 */
export function timestampRequest(signature: Uint8Array): TimestampRequest {
  const imprint = new Uint8Array(createHash("sha256").update(signature).digest());
  const nonce = new Uint8Array(randomBytes(8));
  nonce[0] = (nonce[0] & 0x7f) | 0x01; // positive, and no leading zero byte to normalise away
  const request = new asn1.TimeStampReq({
    messageImprint: new asn1.MessageImprint({
      hashAlgorithm: new asn1.AlgorithmIdentifier({ algorithm: SHA256_OID }),
      hashedMessage: new asn1.OctetString(imprint),
    }),
    nonce: nonce.slice().buffer,
    certReq: true,
  });
  return { der: new Uint8Array(asn1.AsnConvert.serialize(request)), imprint, nonce };
}

/**
 * Checks a TSA's DER `TimeStampResp` against the request: status granted (or granted with
 * modifications), a token that parses, the imprint (SHA-256 of the signature) and the nonce echoed.
 *
 * @returns The DER `TimeStampToken` (a CMS `ContentInfo`) to store in the bundle.
 * @throws {Error} With the reason, for the caller to wrap.
 */
export function tokenFromResponse(responseDer: Uint8Array, request: TimestampRequest): Uint8Array {
  let response: asn1.TimeStampResp;
  try {
    response = asn1.AsnConvert.parse(responseDer, asn1.TimeStampResp, BER_LIMITS);
  } catch {
    throw new Error("the response is not a DER TimeStampResp");
  }
  const status = response.status.status;
  if (status !== asn1.PKIStatus.granted && status !== asn1.PKIStatus.grantedWithMods) {
    const text = [...(response.status.statusString ?? [])].join(" ");
    const detail = text ? `: ${escapeForDisplay(text).slice(0, 200)}` : "";
    throw new Error(`the TSA refused the request (status ${status}${detail})`);
  }
  if (!response.timeStampToken) throw new Error("the response holds no timestamp token");
  // ContentInfo keeps its content as the raw bytes, so this re-encoding is the token as received.
  const token = new Uint8Array(asn1.AsnConvert.serialize(response.timeStampToken));
  const { tstInfo } = parseToken(token);
  const imprint = tstInfo.messageImprint;
  if (
    imprint.hashAlgorithm.algorithm !== SHA256_OID ||
    toHex(new Uint8Array(imprint.hashedMessage.buffer)) !== toHex(request.imprint)
  ) {
    throw new Error("the token's message imprint is not the one requested");
  }
  if (!tstInfo.nonce || !sameInteger(new Uint8Array(tstInfo.nonce), request.nonce)) {
    throw new Error("the token does not echo the request's nonce");
  }
  return token;
}

/**
 * Takes a DER `TimeStampToken` apart: a `ContentInfo` of type signed-data whose encapsulated
 * content is a `TSTInfo` (id-ct-TSTInfo), version 1, without unknown critical extensions.
 *
 * @throws {Error} With the reason.
 */
export function parseToken(der: Uint8Array): ParsedToken {
  if (der.length > MAX_TIMESTAMP_BYTES) {
    throw new Error(`the token is larger than ${MAX_TIMESTAMP_BYTES} bytes`);
  }
  let signedData: asn1.SignedData;
  try {
    const info = asn1.AsnConvert.parse(der, asn1.ContentInfo, BER_LIMITS);
    if (info.contentType !== asn1.id_signedData) throw new Error();
    signedData = asn1.AsnConvert.parse(info.content, asn1.SignedData, BER_LIMITS);
  } catch {
    throw new Error("the token is not a DER CMS SignedData");
  }
  const encapsulated = signedData.encapContentInfo;
  if (encapsulated.eContentType !== asn1.id_ct_tstInfo) {
    throw new Error(`the token's content type is ${encapsulated.eContentType}, not id-ct-TSTInfo`);
  }
  const octets = encapsulated.eContent?.single;
  if (!octets) throw new Error("the token has no TSTInfo content");
  const eContent = new Uint8Array(octets.buffer);
  let tstInfo: asn1.TSTInfo;
  try {
    tstInfo = asn1.AsnConvert.parse(eContent, asn1.TSTInfo, BER_LIMITS);
  } catch {
    throw new Error("the token's TSTInfo does not parse");
  }
  if (tstInfo.version !== 1) throw new Error(`the TSTInfo version is ${tstInfo.version}, not 1`);
  const critical = (tstInfo.extensions ?? []).find((e) => e.critical);
  if (critical) throw new Error(`the TSTInfo has an unknown critical extension ${critical.extnID}`);
  return { signedData, eContent, tstInfo };
}

/**
 * Why `tstInfo`'s message imprint is not a hash of `signature`, or undefined when it is. The
 * imprint's own algorithm decides (SHA-256, SHA-384 or SHA-512).
 */
export function imprintProblem(tstInfo: asn1.TSTInfo, signature: Uint8Array): string | undefined {
  const oid = tstInfo.messageImprint.hashAlgorithm.algorithm;
  const hash = HASH_OIDS.get(oid);
  if (!hash) return `the message imprint uses an unsupported hash algorithm ${oid}`;
  const expected = createHash(hash).update(signature).digest("hex");
  if (toHex(new Uint8Array(tstInfo.messageImprint.hashedMessage.buffer)) !== expected) {
    return "the message imprint is not the hash of this signature";
  }
  return undefined;
}

/**
 * The DER a CMS signer signs for its signed attributes (RFC 5652 §5.4): the attributes as a
 * SET OF, in the order given (a DER token already has them sorted), under the universal SET tag
 * instead of the field's [0].
 */
export function signedAttributesDer(attributes: readonly asn1.Attribute[]): Uint8Array {
  const parts = attributes.map((a) => new Uint8Array(asn1.AsnConvert.serialize(a)));
  const length = parts.reduce((n, p) => n + p.length, 0);
  const lengthBytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) lengthBytes.unshift(n % 256);
  const header = length < 0x80 ? [0x31, length] : [0x31, 0x80 | lengthBytes.length, ...lengthBytes];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Equal INTEGER contents, ignoring leading zero bytes. */
export function sameInteger(a: Uint8Array, b: Uint8Array): boolean {
  const trim = (x: Uint8Array) => toHex(x).replace(/^(00)+(?=..)/, "");
  return trim(a) === trim(b);
}
