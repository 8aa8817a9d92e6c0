/**
 * The signature file: a Sigstore bundle v0.3 holding a DSSE envelope
 * (docs/format.md §4). Writers emit exactly the Python templates (§4.2, §4.3);
 * the reader accepts every variant Python wrote (§4.5) and checks each field
 * it uses, naming the field when one is wrong.
 *
 * @module
 */

import { isUtf8 } from "node:buffer";
import { BundleFormatError } from "../errors.ts";
import type { BundleJson } from "./contracts.ts";
import { PAYLOAD_TYPE } from "./statement.ts";
import { decodeUtf8, fromBase64, joinChunks, toBase64 } from "../util/encoding.ts";
import { isJsonObject, jsonSyntaxReason } from "../util/json.ts";
import { readJson } from "./json_reader.ts";

/** The one media type key and certificate bundles carry. */
export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Largest signature file read: far above any real bundle, small enough to never exhaust memory. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

function envelope(payload: Uint8Array, signature: Uint8Array): BundleJson {
  return {
    payload: toBase64(payload),
    payloadType: PAYLOAD_TYPE,
    signatures: [{ sig: toBase64(signature), keyid: "" }],
  };
}

/** The key-method bundle (§4.2). */
export function keyBundle(payload: Uint8Array, signature: Uint8Array, hint: string): BundleJson {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint }, tlogEntries: [] },
    dsseEnvelope: envelope(payload, signature),
  };
}

/** The certificate-method bundle (§4.3): leaf first, then the given chain as is. */
export function certificateBundle(
  payload: Uint8Array,
  signature: Uint8Array,
  certificatesDer: readonly Uint8Array[],
): BundleJson {
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: {
      x509CertificateChain: {
        certificates: certificatesDer.map((c) => ({ rawBytes: toBase64(c) })),
      },
      tlogEntries: [],
    },
    dsseEnvelope: envelope(payload, signature),
  };
}

/**
 * The bundle with RFC 3161 timestamp tokens added, where Sigstore bundles keep them (§4.6):
 * `verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`, after
 * `tlogEntries` as in the protobuf field order.
 *
 * @param bundle A key or certificate bundle.
 * @param tokensDer DER `TimeStampToken`s.
 */
export function withRfc3161Timestamps(
  bundle: BundleJson,
  tokensDer: readonly Uint8Array[],
): BundleJson {
  const material = bundle.verificationMaterial as Record<string, unknown>;
  return {
    ...bundle,
    verificationMaterial: {
      ...material,
      timestampVerificationData: {
        rfc3161Timestamps: tokensDer.map((t) => ({ signedTimestamp: toBase64(t) })),
      },
    },
  };
}

/**
 * The first DSSE signature's bytes of a bundle this tool just made (what a timestamp covers).
 *
 * @throws {BundleFormatError}
 */
export function bundleSignature(bundle: BundleJson): Uint8Array {
  const signatures = objectAt(bundle, "dsseEnvelope", "bundle").signatures;
  if (!Array.isArray(signatures) || !isJsonObject(signatures[0])) {
    throw new BundleFormatError(
      "dsseEnvelope.signatures",
      "Invalid signature: the DSSE envelope has no signature.",
    );
  }
  return bytesAt(signatures[0], "sig", "dsseEnvelope.signatures[0]");
}

/** Payload text written per chunk by {@linkcode serializeBundleChunks}. */
const PAYLOAD_CHUNK = 1 << 20;

/**
 * {@linkcode serializeBundle} in chunks, to write to a file: the base64
 * payload (22 MB for 100,000 files) goes out a slice at a time through one
 * reused buffer, so the serialised bundle never exists whole beside it.
 * Each chunk is valid until the next one is requested.
 */
export function* serializeBundleChunks(bundle: BundleJson): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const envelope = bundle.dsseEnvelope as Record<string, unknown> | undefined;
  const payload = envelope?.payload;
  if (typeof payload !== "string" || payload.length < 1 << 16) {
    yield encoder.encode(JSON.stringify(bundle));
    return;
  }
  const marker = JSON.stringify("\u0000payload\u0000");
  const json = JSON.stringify({
    ...bundle,
    dsseEnvelope: { ...envelope, payload: "\u0000payload\u0000" },
  });
  const at = json.indexOf(marker);
  if (at !== json.lastIndexOf(marker)) {
    yield encoder.encode(JSON.stringify(bundle));
    return;
  }
  yield encoder.encode(json.slice(0, at + 1)); // through the opening quote
  // Base64 is ASCII and needs no JSON escaping.
  const buffer = new Uint8Array(PAYLOAD_CHUNK);
  for (let i = 0; i < payload.length; i += PAYLOAD_CHUNK) {
    yield buffer.subarray(
      0,
      encoder.encodeInto(payload.slice(i, i + PAYLOAD_CHUNK), buffer).written,
    );
  }
  yield encoder.encode(json.slice(at + marker.length - 1)); // from the closing quote
}

/**
 * Serialises a bundle as the Python tool writes it: compact JSON, no trailing
 * newline.
 */
export function serializeBundle(bundle: BundleJson): Uint8Array {
  return joinChunks(serializeBundleChunks(bundle));
}

/** Reads an object member, failing with the field's path. */
export function objectAt(
  obj: Record<string, unknown>,
  key: string,
  where: string,
): Record<string, unknown> {
  const v = obj[key];
  if (!isJsonObject(v)) {
    throw new BundleFormatError(
      `${where}.${key}`,
      `Invalid signature: '${where}.${key}' is missing or not an object.`,
    );
  }
  return v;
}

/** Reads a string member, failing with the field's path. */
export function stringAt(obj: Record<string, unknown>, key: string, where: string): string {
  const v = obj[key];
  if (typeof v !== "string") {
    throw new BundleFormatError(
      `${where}.${key}`,
      `Invalid signature: '${where}.${key}' is missing or not a string.`,
    );
  }
  return v;
}

/** Reads a base64 member, failing with the field's path. */
export function bytesAt(obj: Record<string, unknown>, key: string, where: string): Uint8Array {
  const bytes = fromBase64(stringAt(obj, key, where));
  if (!bytes) {
    throw new BundleFormatError(
      `${where}.${key}`,
      `Invalid signature: '${where}.${key}' is not valid base64.`,
    );
  }
  return bytes;
}

/**
 * Refuses a signature file larger than {@linkcode MAX_BUNDLE_BYTES}.
 *
 * @throws {BundleFormatError}
 */
export function checkBundleSize(size: number, path: string): void {
  if (size > MAX_BUNDLE_BYTES) {
    throw new BundleFormatError(
      "",
      `Signature '${path}' is ${size} bytes; more than ${MAX_BUNDLE_BYTES} is not a signature.`,
    );
  }
}

/**
 * Parses signature file bytes into a bundle object: UTF-8 JSON, one object,
 * no key twice in an object, at most {@linkcode MAX_BUNDLE_BYTES}.
 *
 * @throws {BundleFormatError}
 */
export function parseBundle(bytes: Uint8Array, path: string): BundleJson {
  checkBundleSize(bytes.length, path);
  if (!isUtf8(bytes)) {
    throw new BundleFormatError("", `Signature '${path}' is not valid JSON: it is not UTF-8.`);
  }
  // From the bytes: the file never exists a second time as text (22 MB for 100,000 files).
  const read = readJson(bytes);
  if (!read) {
    // Only to name the error's place, which JSON.parse does for the text.
    let cause: unknown;
    try {
      JSON.parse(decodeUtf8(bytes)!);
    } catch (e) {
      cause = e;
    }
    throw new BundleFormatError(
      "",
      `Signature '${path}' is not valid JSON: ${jsonSyntaxReason(cause)}.`,
      { cause },
    );
  }
  if (!isJsonObject(read.value)) {
    throw new BundleFormatError("", `Signature '${path}' is not a JSON object.`);
  }
  if (read.duplicate !== undefined) {
    throw new BundleFormatError(
      read.duplicate,
      `Invalid signature: the key '${read.duplicate}' appears twice in '${path}'.`,
    );
  }
  return read.value;
}

/** The parts of a key or certificate bundle the verifiers use. */
export interface DsseBundle {
  /** Verification material: exactly one of these is present. */
  readonly material:
    | { readonly kind: "publicKey"; readonly hint: string | undefined }
    | { readonly kind: "x509CertificateChain"; readonly certificates: readonly Uint8Array[] }
    | { readonly kind: "certificate"; readonly certificate: Uint8Array };
  /** DSSE payload type. */
  readonly payloadType: string;
  /** DSSE payload bytes. */
  readonly payload: Uint8Array;
  /** The first signature (the only one checked, §3). */
  readonly signature: Uint8Array;
  /** DER RFC 3161 timestamp tokens over the signature (§4.6), in bundle order; often none. */
  readonly timestamps: readonly Uint8Array[];
}

/**
 * Reads a key or certificate bundle (§4.5): requires the v0.3 media type and
 * a DSSE envelope with at least one signature; accepts `keyid`
 * absent/null/"", missing `tlogEntries`, both public-key forms and unknown
 * extra members.
 *
 * @throws {BundleFormatError}
 */
export function readDsseBundle(bundle: BundleJson): DsseBundle {
  const mediaType = bundle.mediaType;
  if (mediaType !== BUNDLE_MEDIA_TYPE) {
    throw new BundleFormatError(
      "mediaType",
      `Invalid sigstore bundle, got media type ${
        String(mediaType)
      } but expected ${BUNDLE_MEDIA_TYPE}`,
    );
  }
  const vm = objectAt(bundle, "verificationMaterial", "bundle");
  const kinds = ["publicKey", "x509CertificateChain", "certificate"].filter((k) =>
    k in vm && vm[k] != null
  );
  if (kinds.length !== 1) {
    throw new BundleFormatError(
      "verificationMaterial",
      "Invalid signature: the verification material must hold exactly one of publicKey, x509CertificateChain, certificate.",
    );
  }
  let material: DsseBundle["material"];
  const where = "verificationMaterial";
  if (kinds[0] === "publicKey") {
    const pk = objectAt(vm, "publicKey", where);
    const hint = pk.hint;
    if (hint != null && typeof hint !== "string") {
      throw new BundleFormatError(
        `${where}.publicKey.hint`,
        "Invalid signature: 'verificationMaterial.publicKey.hint' is not a string.",
      );
    }
    material = { kind: "publicKey", hint: hint || undefined };
  } else if (kinds[0] === "x509CertificateChain") {
    const chain = objectAt(vm, "x509CertificateChain", where);
    const certs = chain.certificates;
    if (!Array.isArray(certs) || certs.length === 0) {
      throw new BundleFormatError(
        `${where}.x509CertificateChain.certificates`,
        "Invalid signature: the certificate chain is empty.",
      );
    }
    material = {
      kind: "x509CertificateChain",
      certificates: certs.map((c, i) => {
        const at = `${where}.x509CertificateChain.certificates[${i}]`;
        if (!isJsonObject(c)) {
          throw new BundleFormatError(at, `Invalid signature: '${at}' is not an object.`);
        }
        return bytesAt(c, "rawBytes", at);
      }),
    };
  } else {
    material = {
      kind: "certificate",
      certificate: bytesAt(objectAt(vm, "certificate", where), "rawBytes", `${where}.certificate`),
    };
  }
  if ("messageSignature" in bundle) {
    throw new BundleFormatError(
      "messageSignature",
      "Invalid signature: expected a DSSE envelope, found a message signature.",
    );
  }
  const env = objectAt(bundle, "dsseEnvelope", "bundle");
  const signatures = env.signatures;
  if (!Array.isArray(signatures) || signatures.length === 0 || !isJsonObject(signatures[0])) {
    throw new BundleFormatError(
      "dsseEnvelope.signatures",
      "Invalid signature: the DSSE envelope has no signature.",
    );
  }
  return {
    material,
    payloadType: stringAt(env, "payloadType", "dsseEnvelope"),
    payload: bytesAt(env, "payload", "dsseEnvelope"),
    signature: bytesAt(signatures[0], "sig", "dsseEnvelope.signatures[0]"),
    timestamps: readRfc3161Timestamps(vm),
  };
}

/**
 * `timestampVerificationData.rfc3161Timestamps[].signedTimestamp` (§4.6): absent or `null` at
 * either level means none; otherwise each entry must be an object with a base64 token.
 */
function readRfc3161Timestamps(vm: Record<string, unknown>): Uint8Array[] {
  if (vm.timestampVerificationData == null) return [];
  const where = "verificationMaterial.timestampVerificationData";
  const data = objectAt(vm, "timestampVerificationData", "verificationMaterial");
  const list = data.rfc3161Timestamps;
  if (list == null) return [];
  if (!Array.isArray(list)) {
    throw new BundleFormatError(
      `${where}.rfc3161Timestamps`,
      `Invalid signature: '${where}.rfc3161Timestamps' is not a list.`,
    );
  }
  return list.map((entry, i) => {
    const at = `${where}.rfc3161Timestamps[${i}]`;
    if (!isJsonObject(entry)) {
      throw new BundleFormatError(at, `Invalid signature: '${at}' is not an object.`);
    }
    return bytesAt(entry, "signedTimestamp", at);
  });
}
