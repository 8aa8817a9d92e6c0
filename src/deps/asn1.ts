/**
 * The `@peculiar` ASN.1 schemas for RFC 3161 time-stamping (pinned here; see README.md beside this
 * file): the TSP messages, the CMS `SignedData` that carries a token, the X.509 structures they
 * use, and the DER converter. Loaded only when a timestamp is requested or verified. The versions
 * are the ones `@peculiar/x509` already brings, plus `@peculiar/asn1-tsp`, whose latest release
 * is 2.6.0.
 *
 * @module
 */

/** Marked on the performance timeline when this module loads (the lazy-loading test reads it). */
performance.mark("model-signing:asn1-loaded");

export { AsnConvert, OctetString } from "npm:@peculiar/asn1-schema@2.11.1";
export {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  id_contentType,
  id_messageDigest,
  id_signedData,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from "npm:@peculiar/asn1-cms@2.11.1";
export {
  id_ct_tstInfo,
  MessageImprint,
  PKIStatus,
  PKIStatusInfo,
  TimeStampReq,
  TimeStampResp,
  TSTInfo,
} from "npm:@peculiar/asn1-tsp@2.6.0";
export { AlgorithmIdentifier, Certificate } from "npm:@peculiar/asn1-x509@2.11.1";
