/**
 * A real RFC 3161 time-stamping authority for the tests, built on the `@peculiar` ASN.1 schemas
 * and `node:crypto`: its own self-signed root and a TSA certificate (ECDSA P-256, or RSA) (extended key
 * usage id-kp-timeStamping, critical), tokens with a settable `genTime` (so a timestamp can lie
 * inside an expired certificate's validity), and an HTTP endpoint on 127.0.0.1 that answers
 * `application/timestamp-query` POSTs, with switches that make it answer wrongly. An RSA TSA
 * is available too.
 *
 * The tokens carry the ESS signing-certificate-v2 attribute that `openssl ts -verify` requires,
 * so OpenSSL can check that this TSA is honest (tests/integration/timestamp_test.ts).
 *
 * @module
 */

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import * as asn1 from "../src/deps/asn1.ts";
import * as x509 from "../src/deps/x509.ts";
import { signedAttributesDer } from "../src/crypto/rfc3161.ts";
import * as nodePath from "node:path";
import { type CaHandle, CERT_KEYS, newCa } from "./certs.ts";

const SHA256 = "2.16.840.1.101.3.4.2.1";
const ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const RSA_SHA256 = "1.2.840.113549.1.1.11";
const TIME_STAMPING = "1.3.6.1.5.5.7.3.8";
const SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47";

/** How the TSA certificate is made, for the usage tests. */
export interface TsaOptions {
  /** EKU on the TSA certificate: `critical` (default, RFC 3161), `non-critical`, `none`, `code-signing`. */
  eku?: "critical" | "non-critical" | "none" | "code-signing";
  /** The TSA's key: ECDSA P-256 (default) or RSA-2048 (signing with PKCS #1 v1.5, SHA-256). */
  key?: "ec" | "rsa";
  /** Validity of the TSA certificate (default 2020 – 2040). */
  notBefore?: Date;
  /** See `notBefore`. */
  notAfter?: Date;
}

/** What a token should look like; defaults give an honest answer to the request. */
export interface TokenOptions {
  /** `genTime` (default: now). */
  genTime?: Date;
  /** Answer with this message imprint instead of the request's. */
  imprint?: Uint8Array;
  /** Answer with this nonce instead of the request's. */
  nonce?: Uint8Array;
  /** TSA policy OID (default 1.3.6.1.4.1.99999.1). */
  policy?: string;
  /** OID of the imprint's hash algorithm (default SHA-256); `imprint` must then be given. */
  imprintAlgorithm?: string;
}

/** A TSA: its certificates and its token factory. */
export interface TestTsa {
  /** The self-signed root. */
  root: CaHandle;
  /** The TSA certificate, DER. */
  certDer: Uint8Array;
  /** The TSA certificate, PEM. */
  certPem: string;
  /** The TSA's private key, PKCS#8 PEM (for `openssl ts -reply`). */
  keyPem: string;
  /** The TSA certificate then the root, PEM: what `--tsa-certificate-chain` takes. */
  chainPem: string;
  /** A DER `TimeStampToken` for `imprint` (SHA-256 of the signature) and `nonce`. */
  token(imprint: Uint8Array, nonce: Uint8Array | undefined, options?: TokenOptions): Uint8Array;
  /** The DER `TimeStampResp` for a DER request. */
  respond(requestDer: Uint8Array, options?: TokenOptions): Uint8Array;
}

/** Makes a TSA with a fresh root named `name`. */
export async function newTsa(name = "test-tsa", options: TsaOptions = {}): Promise<TestTsa> {
  const root = await newCa(`${name}-root`);
  const { privateKey, publicKey } = options.key === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  const eku = options.eku ?? "critical";
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(spki),
  ];
  if (eku !== "none") {
    const usage = eku === "code-signing" ? "1.3.6.1.5.5.7.3.3" : TIME_STAMPING;
    extensions.push(new x509.ExtendedKeyUsageExtension([usage], eku !== "non-critical"));
  }
  const ski = root.cert.getExtension(x509.SubjectKeyIdentifierExtension)!;
  extensions.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString("hex").replace(/^./, "4"),
    subject: `CN=${name}`,
    issuer: root.cert.subject,
    notBefore: options.notBefore ?? new Date("2020-01-01T00:00:00Z"),
    notAfter: options.notAfter ?? new Date("2040-01-01T00:00:00Z"),
    publicKey: spki,
    signingKey: root.signingKey,
    signingAlgorithm: root.signingAlgorithm,
    extensions,
  });
  const certDer = new Uint8Array(cert.rawData);
  const token = (imprint: Uint8Array, nonce: Uint8Array | undefined, o: TokenOptions = {}) =>
    makeToken(certDer, privateKey, {
      imprint: o.imprint ?? imprint,
      nonce: o.nonce ?? nonce,
      genTime: o.genTime ?? new Date(),
      policy: o.policy ?? "1.3.6.1.4.1.99999.1",
      imprintAlgorithm: o.imprintAlgorithm ?? SHA256,
    });
  return {
    root,
    certDer,
    certPem: cert.toString("pem") + "\n",
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    chainPem: cert.toString("pem") + "\n" + root.certPem,
    token,
    respond(requestDer, o = {}) {
      const request = asn1.AsnConvert.parse(requestDer, asn1.TimeStampReq);
      const imprint = new Uint8Array(request.messageImprint.hashedMessage.buffer);
      const nonce = request.nonce ? new Uint8Array(request.nonce) : undefined;
      return grantedResponse(token(imprint, nonce, o));
    },
  };
}

/** A `TimeStampResp` with status granted around a DER token. */
export function grantedResponse(tokenDer: Uint8Array): Uint8Array {
  const response = new asn1.TimeStampResp({
    status: new asn1.PKIStatusInfo({ status: asn1.PKIStatus.granted }),
    timeStampToken: asn1.AsnConvert.parse(tokenDer, asn1.ContentInfo),
  });
  return new Uint8Array(asn1.AsnConvert.serialize(response));
}

/** A `TimeStampResp` with status rejection and no token. */
export function rejectedResponse(): Uint8Array {
  return new Uint8Array(asn1.AsnConvert.serialize(
    new asn1.TimeStampResp({
      status: new asn1.PKIStatusInfo({ status: asn1.PKIStatus.rejection }),
    }),
  ));
}

function makeToken(
  certDer: Uint8Array,
  key: KeyObject,
  t: {
    imprint: Uint8Array;
    nonce?: Uint8Array;
    genTime: Date;
    policy: string;
    imprintAlgorithm: string;
  },
): Uint8Array {
  const tstInfo = new asn1.TSTInfo({
    policy: t.policy,
    messageImprint: new asn1.MessageImprint({
      hashAlgorithm: new asn1.AlgorithmIdentifier({ algorithm: t.imprintAlgorithm }),
      hashedMessage: new asn1.OctetString(t.imprint),
    }),
    serialNumber: new Uint8Array([0x01, ...randomBytes(8)]).buffer,
    genTime: t.genTime,
    nonce: t.nonce ? t.nonce.slice().buffer : undefined,
  });
  const eContent = new Uint8Array(asn1.AsnConvert.serialize(tstInfo));
  const certificate = asn1.AsnConvert.parse(certDer, asn1.Certificate);
  const attribute = (type: string, valueDer: Uint8Array) =>
    new asn1.Attribute({ attrType: type, attrValues: [valueDer.slice().buffer] });
  const signedAttrs = [
    attribute(asn1.id_contentType, fromHex("060b2a864886f70d0109100104")),
    attribute(
      asn1.id_messageDigest,
      new Uint8Array(asn1.AsnConvert.serialize(
        new asn1.OctetString(createHash("sha256").update(eContent).digest()),
      )),
    ),
    attribute(SIGNING_CERTIFICATE_V2, signingCertificateV2(certDer)),
  ];
  // DER orders a SET OF by the encodings; the signature covers that SET.
  const encoded = signedAttrs.map((a) => ({ a, der: new Uint8Array(asn1.AsnConvert.serialize(a)) }))
    .sort((x, y) => compareBytes(x.der, y.der));
  signedAttrs.splice(0, signedAttrs.length, ...encoded.map((e) => e.a));
  const set = signedAttributesDer(signedAttrs);
  const signer = new asn1.SignerInfo({
    version: 1,
    sid: new asn1.SignerIdentifier({
      issuerAndSerialNumber: new asn1.IssuerAndSerialNumber({
        issuer: certificate.tbsCertificate.issuer,
        serialNumber: certificate.tbsCertificate.serialNumber,
      }),
    }),
    digestAlgorithm: new asn1.AlgorithmIdentifier({ algorithm: SHA256 }),
    signedAttrs,
    signatureAlgorithm: new asn1.AlgorithmIdentifier({
      algorithm: key.asymmetricKeyType === "rsa" ? RSA_SHA256 : ECDSA_SHA256,
    }),
    signature: new asn1.OctetString(sign("sha256", set, key)),
  });
  const signedData = new asn1.SignedData({
    version: 3,
    digestAlgorithms: new asn1.DigestAlgorithmIdentifiers([
      new asn1.AlgorithmIdentifier({ algorithm: SHA256 }),
    ]),
    encapContentInfo: new asn1.EncapsulatedContentInfo({
      eContentType: asn1.id_ct_tstInfo,
      eContent: new asn1.EncapsulatedContent({ single: new asn1.OctetString(eContent) }),
    }),
    certificates: new asn1.CertificateSet([new asn1.CertificateChoices({ certificate })]),
    signerInfos: new asn1.SignerInfos([signer]),
  });
  const info = new asn1.ContentInfo({
    contentType: asn1.id_signedData,
    content: asn1.AsnConvert.serialize(signedData),
  });
  return new Uint8Array(asn1.AsnConvert.serialize(info));
}

/** SigningCertificateV2 { certs: [ESSCertIDv2 { certHash: SHA-256 of the certificate }] }. */
function signingCertificateV2(certDer: Uint8Array): Uint8Array {
  const hash = derTagged(0x04, new Uint8Array(createHash("sha256").update(certDer).digest()));
  return derTagged(0x30, derTagged(0x30, derTagged(0x30, hash)));
}

/** A short-form DER TLV (every value here is under 128 bytes or uses the long form below). */
function derTagged(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return new Uint8Array([tag, ...length, ...content]);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
}

/** `verify certificate` of `model` against the golden root, with `extra` options (e.g. a TSA chain). */
export function verifyCertificateArgs(sig: string, model: string, extra: string[] = []): string[] {
  const root = nodePath.join(CERT_KEYS, "ca-cert.pem");
  return [
    "verify",
    "certificate",
    "--certificate-chain",
    root,
    ...extra,
    "--signature",
    sig,
    model,
  ];
}

/** How the HTTP endpoint answers. */
export type TsaMode =
  | "honest"
  | "wrong-nonce"
  | "wrong-imprint"
  | "rejection"
  | "garbage"
  | "http-500"
  | "wrong-type";

/** A running TSA endpoint. */
export interface TsaServer extends AsyncDisposable {
  /** Its URL. */
  readonly url: string;
  /** How it answers the next requests. */
  mode: TsaMode;
  /** `genTime` of the next tokens (default: now). */
  genTime: Date | undefined;
  /** Requests received. */
  readonly requests: Uint8Array[];
}

/** Serves `tsa` on 127.0.0.1 until disposed. */
export function serveTsa(tsa: TestTsa): TsaServer {
  const state: { mode: TsaMode; genTime: Date | undefined; requests: Uint8Array[] } = {
    mode: "honest",
    genTime: undefined,
    requests: [],
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (
      req.method !== "POST" || req.headers.get("content-type") !== "application/timestamp-query"
    ) {
      return new Response("bad request", { status: 400 });
    }
    const body = new Uint8Array(await req.arrayBuffer());
    state.requests.push(body);
    const reply = (bytes: Uint8Array, type = "application/timestamp-reply") =>
      new Response(bytes.slice(), { headers: { "content-type": type } });
    const genTime = state.genTime;
    switch (state.mode) {
      case "honest":
        return reply(tsa.respond(body, { genTime }));
      case "wrong-nonce":
        return reply(tsa.respond(body, { genTime, nonce: new Uint8Array([0x42]) }));
      case "wrong-imprint":
        return reply(tsa.respond(body, { genTime, imprint: new Uint8Array(32) }));
      case "rejection":
        return reply(rejectedResponse());
      case "garbage":
        return reply(new TextEncoder().encode("not DER"));
      case "http-500":
        return new Response("down", { status: 500 });
      case "wrong-type":
        return reply(tsa.respond(body, { genTime }), "text/html");
    }
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/tsr`,
    get mode() {
      return state.mode;
    },
    set mode(m) {
      state.mode = m;
    },
    get genTime() {
      return state.genTime;
    },
    set genTime(t) {
      state.genTime = t;
    },
    requests: state.requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
