// DSSE pre-authentication encoding (docs/format.md §3) and the 0.2.0 legacy PAE (§6.2), checked
// against the signatures of the golden vectors.
import assert from "node:assert/strict";
import { createPublicKey, X509Certificate } from "node:crypto";
import * as nodePath from "node:path";
import { verifyEcdsa } from "../../src/crypto/ec_keys.ts";
import { fromBase64 } from "../../src/util/encoding.ts";
import {
  legacyPae,
  legacyPaeChunks,
  mayBeLegacyPayload,
  pae,
  pythonBytesReprChunks,
} from "../../src/format/dsse.ts";
import { PAYLOAD_TYPE } from "../../src/format/statement.ts";
import { CERT_KEYS } from "../certs.ts";
import { VECTORS } from "../fixtures.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Payload, signature and (for certificate bundles) leaf certificate of a golden vector. */
function vector(folder: string) {
  const bundle = JSON.parse(Deno.readTextFileSync(nodePath.join(VECTORS, folder, "model.sig")));
  const env = bundle.dsseEnvelope;
  const chain = bundle.verificationMaterial.x509CertificateChain;
  return {
    payloadType: env.payloadType as string,
    payload: fromBase64(env.payload)!,
    signature: fromBase64(env.signatures[0].sig)!,
    leaf: chain ? new X509Certificate(fromBase64(chain.certificates[0].rawBytes)!) : undefined,
  };
}

const goldenPublicKey = () =>
  createPublicKey(Deno.readTextFileSync(nodePath.join(CERT_KEYS, "signing-key-pub.pem")));

Deno.test("PAE: 'DSSEv1 28 application/vnd.in-toto+json <len> ' then the payload bytes", () => {
  const v = vector("v1.1.0-elliptic-key");
  assert.equal(v.payload.length, 926);
  const bytes = pae(PAYLOAD_TYPE, v.payload);
  const prefix = encoder.encode("DSSEv1 28 application/vnd.in-toto+json 926 ");
  assert.deepEqual(bytes.subarray(0, prefix.length), prefix);
  assert.deepEqual(bytes.subarray(prefix.length), v.payload);
  assert.equal(bytes.length, prefix.length + 926);
});

Deno.test("PAE: lengths count bytes, not characters; an empty payload ends with a space", () => {
  assert.equal(decoder.decode(pae("t", new Uint8Array())), "DSSEv1 1 t 0 ");
  const payload = encoder.encode("é😀"); // 2 characters (3 UTF-16 units), 6 bytes
  assert.equal(decoder.decode(pae("typé", payload)), "DSSEv1 5 typé 6 é😀");
});

Deno.test("PAE: the v1.1.0 key vector's signature verifies over it with P-384 / SHA-384", () => {
  const v = vector("v1.1.0-elliptic-key");
  const key = goldenPublicKey();
  assert.ok(verifyEcdsa(key, pae(v.payloadType, v.payload), v.signature, "sha384"));
  // The curve's hash, not SHA-256; and not over the legacy encoding.
  assert.ok(!verifyEcdsa(key, pae(v.payloadType, v.payload), v.signature, "sha256"));
  assert.ok(!verifyEcdsa(key, legacyPae(v.payloadType, v.payload), v.signature, "sha384"));
});

/** The chunks joined as one string. */
function pythonBytesRepr(bytes: Uint8Array): string {
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of pythonBytesReprChunks(bytes)) text += decoder.decode(chunk);
  return text;
}

Deno.test("pythonBytesRepr: single quotes by default, printable ASCII as is", () => {
  assert.equal(pythonBytesRepr(encoder.encode('{"a": 1}')), `b'{"a": 1}'`);
  assert.equal(pythonBytesRepr(new Uint8Array()), "b''");
});

Deno.test("pythonBytesRepr: double quotes only when there is a ' and no \"", () => {
  assert.equal(pythonBytesRepr(encoder.encode("it's")), `b"it's"`);
  // Both quotes: single quotes, the ' escaped.
  assert.equal(pythonBytesRepr(encoder.encode(`it's "x"`)), `b'it\\'s "x"'`);
  // Inside double quotes a " cannot occur, and ' is not escaped.
  assert.equal(pythonBytesRepr(encoder.encode("'\\")), `b"'\\\\"`);
});

Deno.test("pythonBytesRepr: \\t \\n \\r, backslash, other controls, DEL and high bytes", () => {
  assert.equal(pythonBytesRepr(encoder.encode("\t\n\r\\")), "b'\\t\\n\\r\\\\'");
  assert.equal(
    pythonBytesRepr(Uint8Array.of(0x00, 0x07, 0x0b, 0x0c, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff)),
    "b'\\x00\\x07\\x0b\\x0c\\x1f ~\\x7f\\x80\\xff'",
  );
  // UTF-8 text is written byte by byte.
  assert.equal(pythonBytesRepr(encoder.encode("é")), "b'\\xc3\\xa9'");
});

Deno.test("legacy PAE: capital V, raw payload length, bytes literal of the payload", () => {
  const payload = encoder.encode('{\n  "_type": 1\n}');
  assert.equal(
    decoder.decode(legacyPae(PAYLOAD_TYPE, payload)),
    `DSSEV1 28 application/vnd.in-toto+json 16 b'{\\n  "_type": 1\\n}'`,
  );
});

Deno.test("legacy PAE: the v0.2.0 certificate vector's signature verifies over it with SHA-256", () => {
  const v = vector("v0.2.0-certificate");
  const leafKey = v.leaf!.publicKey;
  // The leaf in the bundle carries the golden P-384 signing key.
  assert.equal(
    leafKey.export({ type: "spki", format: "pem" }),
    goldenPublicKey().export({ type: "spki", format: "pem" }),
  );
  assert.ok(verifyEcdsa(leafKey, legacyPae(v.payloadType, v.payload), v.signature, "sha256"));
  // Not a v1 signature, and not with the curve's hash.
  assert.ok(!verifyEcdsa(leafKey, pae(v.payloadType, v.payload), v.signature, "sha256"));
  assert.ok(!verifyEcdsa(leafKey, pae(v.payloadType, v.payload), v.signature, "sha384"));
  assert.ok(!verifyEcdsa(leafKey, legacyPae(v.payloadType, v.payload), v.signature, "sha384"));
});

Deno.test("legacy PAE: one changed payload byte breaks the v0.2.0 signature", () => {
  const v = vector("v0.2.0-certificate");
  const payload = v.payload.slice();
  payload[payload.length - 2] ^= 0x01;
  assert.ok(
    !verifyEcdsa(v.leaf!.publicKey, legacyPae(v.payloadType, payload), v.signature, "sha256"),
  );
});

Deno.test("legacy PAE in chunks: the v0.2.0 signature verifies streamed, as the verifiers use it", () => {
  const v = vector("v0.2.0-certificate");
  const key = v.leaf!.publicKey;
  assert.ok(verifyEcdsa(key, legacyPaeChunks(v.payloadType, v.payload), v.signature, "sha256"));
  assert.ok(!verifyEcdsa(key, legacyPaeChunks(v.payloadType, v.payload), v.signature, "sha384"));
});

Deno.test("mayBeLegacyPayload: the v0.2.0 payload yes, a payload that is not UTF-8 no", () => {
  assert.ok(mayBeLegacyPayload(vector("v0.2.0-certificate").payload));
  assert.ok(mayBeLegacyPayload(encoder.encode('{"a": "\u00e9 é"}')));
  assert.ok(!mayBeLegacyPayload(new Uint8Array(1024).fill(0xff)));
  // One stray byte anywhere is enough, e.g. a lone continuation byte at the end.
  assert.ok(!mayBeLegacyPayload(Uint8Array.of(...encoder.encode('{"a": 1}'), 0x80)));
});

Deno.test("pythonBytesReprChunks: 1 MiB of 0xFF but the last byte is 4 MiB in chunks of at most 64 KiB", () => {
  const bytes = new Uint8Array(1024 * 1024).fill(0xff);
  bytes[bytes.length - 1] = 0x41;
  let total = 0;
  let largest = 0;
  let text = "";
  for (const chunk of pythonBytesReprChunks(bytes)) {
    // The seams: the head, and the last escapes before a plain byte and the quote.
    if (total < 6 || total + chunk.length > 4 * 1024 * 1024 - 8) text += decoder.decode(chunk);
    total += chunk.length;
    largest = Math.max(largest, chunk.length);
  }
  assert.equal(total, 4 * 1024 * 1024);
  assert.ok(largest <= 64 * 1024, `chunk of ${largest} bytes`);
  assert.ok(text.startsWith("b'\\xff\\xff"), text.slice(0, 12));
  assert.ok(text.endsWith("\\xff\\xffA'"), text.slice(-12));
});
