// The signature file (docs/format.md §4): the reader accepts every variant Python wrote (§4.5) and
// names the field when one is wrong; the writers emit exactly the §4.2 / §4.3 templates.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { BundleFormatError } from "../../src/errors.ts";
import {
  BUNDLE_MEDIA_TYPE,
  bundleSignature,
  certificateBundle,
  keyBundle,
  parseBundle,
  readDsseBundle,
  serializeBundle,
  withRfc3161Timestamps,
} from "../../src/format/bundle.ts";
import { fromBase64, toBase64 } from "../../src/util/encoding.ts";
import { VECTORS } from "../fixtures.ts";
import { thrown } from "../helpers.ts";

const encoder = new TextEncoder();
const PAYLOAD = encoder.encode('{"_type": "x"}');
const SIG = Uint8Array.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02);
const HINT = "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e";

// deno-lint-ignore no-explicit-any
type BundleObject = Record<string, any>;
type Edit = (bundle: BundleObject) => void;

/** A key bundle as 1.1+ writes it, as a plain object tests may change. */
function keyBundleObject(): BundleObject {
  return JSON.parse(JSON.stringify(keyBundle(PAYLOAD, SIG, HINT)));
}

/** The BundleFormatError that reading `bundle` throws. */
const failure = (bundle: Record<string, unknown>) =>
  thrown(BundleFormatError, () => readDsseBundle(bundle));

const vectorBytes = (folder: string) =>
  Deno.readFileSync(nodePath.join(VECTORS, folder, "model.sig"));

Deno.test("writer: key bundle is exactly the §4.2 template, compact, no trailing newline", () => {
  const text = new TextDecoder().decode(serializeBundle(keyBundle(PAYLOAD, SIG, HINT)));
  assert.equal(
    text,
    `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"${HINT}"},"tlogEntries":[]},"dsseEnvelope":{"payload":"${
      toBase64(PAYLOAD)
    }","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"${
      toBase64(SIG)
    }","keyid":""}]}}`,
  );
});

Deno.test("writer: certificate bundle is exactly the §4.3 template, chain in the given order", () => {
  const leaf = Uint8Array.of(1, 2, 3);
  const c1 = Uint8Array.of(4, 5);
  const c2 = Uint8Array.of(6);
  const text = new TextDecoder().decode(
    serializeBundle(certificateBundle(PAYLOAD, SIG, [leaf, c1, c2, c1])),
  );
  assert.equal(
    text,
    `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"x509CertificateChain":{"certificates":[{"rawBytes":"AQID"},{"rawBytes":"BAU="},{"rawBytes":"Bg=="},{"rawBytes":"BAU="}]},"tlogEntries":[]},"dsseEnvelope":{"payload":"${
      toBase64(PAYLOAD)
    }","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"${
      toBase64(SIG)
    }","keyid":""}]}}`,
  );
});

Deno.test("reader: the v1.1.0 vector (compact, hint, keyid '', tlogEntries [])", () => {
  const b = readDsseBundle(parseBundle(vectorBytes("v1.1.0-elliptic-key"), "model.sig"));
  assert.deepEqual(b.material, { kind: "publicKey", hint: HINT });
  assert.equal(b.payloadType, "application/vnd.in-toto+json");
  assert.equal(b.payload.length, 926);
  assert.equal(b.signature[0], 0x30); // DER SEQUENCE
});

Deno.test("reader: the v1.0.1 vector (spaced, rawBytes + keyDetails, keyid null, no tlogEntries)", () => {
  const bytes = vectorBytes("v1.0.1-elliptic-key");
  assert.ok(new TextDecoder().decode(bytes).includes('", "'));
  const b = readDsseBundle(parseBundle(bytes, "model.sig"));
  // The old raw key is never looked at: no hint.
  assert.deepEqual(b.material, { kind: "publicKey", hint: undefined });
  assert.equal(b.payload.length, 769);
});

Deno.test("reader: the certificate vectors carry leaf and intermediate", () => {
  for (const folder of ["v0.2.0-certificate", "v1.0.1-certificate"]) {
    const b = readDsseBundle(parseBundle(vectorBytes(folder), "model.sig"));
    assert.equal(b.material.kind, "x509CertificateChain");
    if (b.material.kind === "x509CertificateChain") assert.equal(b.material.certificates.length, 2);
  }
});

Deno.test("reader: compact and indented JSON of the same bundle read the same", () => {
  const obj = keyBundleObject();
  const compact = readDsseBundle(parseBundle(encoder.encode(JSON.stringify(obj)), "a"));
  const spaced = readDsseBundle(parseBundle(encoder.encode(JSON.stringify(obj, null, 4)), "b"));
  assert.deepEqual(spaced, compact);
});

Deno.test("reader: keyid absent, null, '' or any string; extra signatures ignored", () => {
  for (const keyid of [undefined, null, "", "abc"]) {
    const obj = keyBundleObject();
    if (keyid === undefined) delete obj.dsseEnvelope.signatures[0].keyid;
    else obj.dsseEnvelope.signatures[0].keyid = keyid;
    obj.dsseEnvelope.signatures.push({ sig: "AAAA" });
    assert.deepEqual(readDsseBundle(obj).signature, SIG, String(keyid));
  }
});

Deno.test("reader: missing tlogEntries and unknown extra members are accepted", () => {
  const obj = keyBundleObject();
  delete obj.verificationMaterial.tlogEntries;
  obj.extra = { anything: [1, 2] };
  obj.verificationMaterial.timestampVerificationData = {};
  obj.dsseEnvelope.note = "x";
  obj.verificationMaterial.publicKey.keyDetails = "PKIX_ECDSA_P384_SHA_384";
  assert.deepEqual(readDsseBundle(obj).material, { kind: "publicKey", hint: HINT });
});

Deno.test("reader: a hint that is null, '' or absent means no hint", () => {
  for (const hint of [null, "", undefined]) {
    const obj = keyBundleObject();
    if (hint === undefined) delete obj.verificationMaterial.publicKey.hint;
    else obj.verificationMaterial.publicKey.hint = hint;
    assert.deepEqual(readDsseBundle(obj).material, { kind: "publicKey", hint: undefined });
  }
  const obj = keyBundleObject();
  obj.verificationMaterial.publicKey.hint = 42;
  assert.equal(failure(obj).field, "verificationMaterial.publicKey.hint");
});

Deno.test("reader: a media type other than v0.3 gives Python's message", () => {
  for (const mediaType of ["application/vnd.dev.sigstore.bundle+json;version=0.2", undefined]) {
    const obj = keyBundleObject();
    obj.mediaType = mediaType;
    const e = failure(obj);
    assert.equal(e.field, "mediaType");
    assert.equal(
      e.message,
      `Invalid sigstore bundle, got media type ${mediaType} but expected ${BUNDLE_MEDIA_TYPE}`,
    );
  }
});

Deno.test("reader: invalid base64 names the field", () => {
  const cases: [string, Edit][] = [
    ["dsseEnvelope.payload", (o) => o.dsseEnvelope.payload = "not base64!"],
    ["dsseEnvelope.signatures[0].sig", (o) => o.dsseEnvelope.signatures[0].sig = "QUJDRA="],
    ["dsseEnvelope.signatures[0].sig", (o) => o.dsseEnvelope.signatures[0].sig = "QU-_"],
  ];
  for (const [field, edit] of cases) {
    const obj = keyBundleObject();
    edit(obj);
    const e = failure(obj);
    assert.equal(e.field, field);
    assert.equal(e.message, `Invalid signature: '${field}' is not valid base64.`);
  }
});

Deno.test("reader: each missing field is named", () => {
  // [field, what the message says, edit]
  const cases: [string, string, Edit][] = [
    [
      "bundle.verificationMaterial",
      "'bundle.verificationMaterial' is missing",
      (o) => delete o.verificationMaterial,
    ],
    [
      "verificationMaterial",
      "verification material must hold exactly one of",
      (o) => delete o.verificationMaterial.publicKey,
    ],
    ["bundle.dsseEnvelope", "'bundle.dsseEnvelope' is missing", (o) => delete o.dsseEnvelope],
    [
      "dsseEnvelope.payload",
      "'dsseEnvelope.payload' is missing",
      (o) => delete o.dsseEnvelope.payload,
    ],
    [
      "dsseEnvelope.payloadType",
      "'dsseEnvelope.payloadType' is missing",
      (o) => delete o.dsseEnvelope.payloadType,
    ],
    [
      "dsseEnvelope.signatures",
      "DSSE envelope has no signature",
      (o) => delete o.dsseEnvelope.signatures,
    ],
    [
      "dsseEnvelope.signatures",
      "DSSE envelope has no signature",
      (o) => o.dsseEnvelope.signatures = [],
    ],
    [
      "dsseEnvelope.signatures[0].sig",
      "'dsseEnvelope.signatures[0].sig' is missing",
      (o) => delete o.dsseEnvelope.signatures[0].sig,
    ],
  ];
  for (const [field, says, edit] of cases) {
    const obj = keyBundleObject();
    edit(obj);
    const e = failure(obj);
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith("Invalid signature: ") && e.message.includes(says), e.message);
  }
});

Deno.test("reader: certificate chains must be non-empty lists of rawBytes objects", () => {
  const cert = (vm: unknown) => {
    const obj = keyBundleObject();
    obj.verificationMaterial = vm;
    return obj;
  };
  assert.equal(
    failure(cert({ x509CertificateChain: { certificates: [] } })).field,
    "verificationMaterial.x509CertificateChain.certificates",
  );
  const e = failure(cert({ x509CertificateChain: { certificates: [{ rawBytes: "AQID" }, {}] } }));
  assert.equal(e.field, "verificationMaterial.x509CertificateChain.certificates[1].rawBytes");
  const ok = readDsseBundle(
    cert({ x509CertificateChain: { certificates: [{ rawBytes: "AQID" }] } }),
  );
  assert.deepEqual(ok.material, {
    kind: "x509CertificateChain",
    certificates: [fromBase64("AQID")],
  });
});

Deno.test("reader: exactly one kind of verification material", () => {
  const obj = keyBundleObject();
  obj.verificationMaterial.x509CertificateChain = { certificates: [{ rawBytes: "AQID" }] };
  assert.match(failure(obj).message, /exactly one of publicKey, x509CertificateChain, certificate/);
});

Deno.test("reader: a message signature instead of a DSSE envelope is refused", () => {
  const obj = keyBundleObject();
  obj.messageSignature = { signature: "AAAA" };
  assert.equal(failure(obj).field, "messageSignature");
});

Deno.test("parseBundle: not JSON, not an object, not UTF-8, a repeated key", () => {
  const bad = (text: string | Uint8Array) => {
    try {
      parseBundle(typeof text === "string" ? encoder.encode(text) : text, "sig.json");
    } catch (e) {
      assert.ok(e instanceof BundleFormatError);
      return e;
    }
    throw new Error("accepted");
  };
  assert.match(bad("{").message, /^Signature 'sig\.json' is not valid JSON/);
  assert.equal(bad("[]").message, "Signature 'sig.json' is not a JSON object.");
  assert.match(bad(Uint8Array.of(0x7b, 0xff, 0x7d)).message, /not valid JSON/);
  const repeated = bad('{"mediaType": "a", "dsseEnvelope": {"payload": "", "payload": ""}}');
  assert.equal(repeated.field, "dsseEnvelope.payload");
});

Deno.test("serializeBundle writes a large payload straight into the bytes: the same as JSON.stringify", () => {
  for (const size of [10, 70_000, 1_000_003]) {
    const payload = new Uint8Array(size).map((_, i) => (i * 7) % 256);
    const bundle = keyBundle(payload, new Uint8Array(64).fill(9), 'hint "quoted" \u0000 é');
    const expected = new TextEncoder().encode(JSON.stringify(bundle));
    assert.deepEqual(serializeBundle(bundle), expected, `payload of ${size} bytes`);
  }
});

Deno.test("RFC 3161 timestamps: written after tlogEntries, read back; absent, null or {} is none", () => {
  const token = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x07);
  const written = withRfc3161Timestamps(keyBundle(PAYLOAD, SIG, HINT), [token]);
  assert.equal(
    new TextDecoder().decode(serializeBundle(written)),
    `{"mediaType":"${BUNDLE_MEDIA_TYPE}","verificationMaterial":{"publicKey":{"hint":"${HINT}"},` +
      `"tlogEntries":[],"timestampVerificationData":{"rfc3161Timestamps":[{"signedTimestamp":"${
        toBase64(token)
      }"}]}},"dsseEnvelope":{"payload":"${
        toBase64(PAYLOAD)
      }","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"${
        toBase64(SIG)
      }","keyid":""}]}}`,
  );
  assert.deepEqual(readDsseBundle(written).timestamps, [token]);
  assert.deepEqual(bundleSignature(written), SIG);
  for (
    const data of [undefined, null, {}, { rfc3161Timestamps: null }, { rfc3161Timestamps: [] }]
  ) {
    const obj = keyBundleObject();
    if (data !== undefined) obj.verificationMaterial.timestampVerificationData = data;
    assert.deepEqual(readDsseBundle(obj).timestamps, [], JSON.stringify(data));
  }
});

Deno.test("RFC 3161 timestamps: a malformed entry names its field", () => {
  const where = "verificationMaterial.timestampVerificationData";
  const cases: [unknown, string][] = [
    [[], where],
    [{ rfc3161Timestamps: {} }, `${where}.rfc3161Timestamps`],
    [{ rfc3161Timestamps: ["AAAA"] }, `${where}.rfc3161Timestamps[0]`],
    [{ rfc3161Timestamps: [{}] }, `${where}.rfc3161Timestamps[0].signedTimestamp`],
    [
      { rfc3161Timestamps: [{ signedTimestamp: "QU-_" }] },
      `${where}.rfc3161Timestamps[0].signedTimestamp`,
    ],
  ];
  for (const [data, field] of cases) {
    const obj = keyBundleObject();
    obj.verificationMaterial.timestampVerificationData = data;
    assert.equal(failure(obj).field, field, JSON.stringify(data));
  }
});
