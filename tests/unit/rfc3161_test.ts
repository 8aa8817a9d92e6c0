// RFC 3161 messages and token verification (docs/format.md §4.6, §5.8) against the test TSA of
// tests/tsa.ts, and against OpenSSL in both directions: `openssl ts` accepts our requests and the
// test TSA's tokens, and our verifier accepts a token `openssl ts -reply` made.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as nodePath from "node:path";
import * as asn1 from "../../src/deps/asn1.ts";
import { TimestampError } from "../../src/errors.ts";
import { parseToken, timestampRequest, tokenFromResponse } from "../../src/crypto/rfc3161.ts";
import { TimestampVerifier } from "../../src/crypto/timestamp_verifier.ts";
import { tempDir } from "../fixtures.ts";
import { newTsa, rejectedResponse, type TestTsa } from "../tsa.ts";

const tsa = await newTsa();
const defaultTsa = tsa;
const other = await newTsa("other-tsa");
const SIGNATURE = new TextEncoder().encode("the DSSE signature bytes");
const trusted = (t: TestTsa) => new TimestampVerifier([t.certDer, t.root.certDer]);

/** A token for SIGNATURE from `t`, through the request/response checks. */
function stamp(t: TestTsa = tsa, genTime?: Date, signature = SIGNATURE): Uint8Array {
  const request = timestampRequest(signature);
  return tokenFromResponse(t.respond(request.der, { genTime }), request);
}

/** Asserts a TimestampError with one line matching `pattern`. */
async function fails(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TimestampError, `not a TimestampError: ${e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
}

Deno.test("the request: SHA-256 imprint of the signature, a positive 64-bit nonce, certReq", () => {
  const request = timestampRequest(SIGNATURE);
  const parsed = asn1.AsnConvert.parse(request.der, asn1.TimeStampReq);
  assert.equal(parsed.version, 1);
  assert.equal(parsed.messageImprint.hashAlgorithm.algorithm, "2.16.840.1.101.3.4.2.1");
  assert.deepEqual(
    new Uint8Array(parsed.messageImprint.hashedMessage.buffer),
    new Uint8Array(createHash("sha256").update(SIGNATURE).digest()),
  );
  assert.deepEqual(new Uint8Array(parsed.nonce!), request.nonce);
  assert.equal(request.nonce.length, 8);
  assert.ok(request.nonce[0] > 0 && request.nonce[0] < 0x80);
  assert.equal(parsed.certReq, true);
  assert.equal(parsed.reqPolicy, undefined);
  assert.notDeepEqual(timestampRequest(SIGNATURE).nonce, request.nonce);
});

Deno.test("an honest token verifies: its time, TSA and policy", async () => {
  const genTime = new Date("2026-03-04T05:06:07Z");
  const log: string[] = [];
  const [verified] = await trusted(tsa).verify(
    [stamp(tsa, genTime)],
    SIGNATURE,
    (l, m) => log.push(`${l} ${m}`),
  );
  assert.deepEqual(verified, { genTime, tsa: "CN=test-tsa", policy: "1.3.6.1.4.1.99999.1" });
  assert.deepEqual(log, ["INFO Timestamp 1: 2026-03-04T05:06:07.000Z by CN=test-tsa"]);
});

Deno.test("the response checks at signing: status, imprint and nonce echoed, DER", () => {
  const request = timestampRequest(SIGNATURE);
  assert.throws(
    () => tokenFromResponse(rejectedResponse(), request),
    /the TSA refused the request \(status 2\)/,
  );
  assert.throws(
    () => tokenFromResponse(tsa.respond(request.der, { nonce: new Uint8Array([7]) }), request),
    /does not echo the request's nonce/,
  );
  assert.throws(
    () => tokenFromResponse(tsa.respond(request.der, { imprint: new Uint8Array(32) }), request),
    /message imprint is not the one requested/,
  );
  assert.throws(() => tokenFromResponse(new Uint8Array([1, 2, 3]), request), /not a DER/);
  // An answer to another request (another nonce) is refused too.
  const earlier = timestampRequest(SIGNATURE);
  assert.throws(
    () => tokenFromResponse(tsa.respond(earlier.der), request),
    /does not echo the request's nonce/,
  );
});

Deno.test("a timestamp from another TSA fails: its chain does not reach a trusted root", async () => {
  await fails(
    trusted(tsa).verify([stamp(other)], SIGNATURE),
    /^timestamp 1: .*(other-tsa|trust anchor|not found)/,
  );
});

Deno.test("a timestamp over another signature fails", async () => {
  await fails(
    trusted(tsa).verify([stamp(tsa, undefined, new Uint8Array([1, 2, 3]))], SIGNATURE),
    /^timestamp 1: the message imprint is not the hash of this signature$/,
  );
});

Deno.test("the imprint's own hash decides: SHA-256, SHA-384 and SHA-512 verify, SHA-1 does not", async () => {
  const hashes: [string, string][] = [
    ["2.16.840.1.101.3.4.2.1", "sha256"],
    ["2.16.840.1.101.3.4.2.2", "sha384"],
    ["2.16.840.1.101.3.4.2.3", "sha512"],
  ];
  for (const [oid, hash] of hashes) {
    const imprint = new Uint8Array(createHash(hash).update(SIGNATURE).digest());
    const token = tsa.token(imprint, undefined, { imprintAlgorithm: oid });
    await trusted(tsa).verify([token], SIGNATURE);
    // The same digest under another algorithm's name does not pass.
    const renamed = tsa.token(imprint, undefined, {
      imprintAlgorithm: oid === hashes[0][0] ? hashes[1][0] : hashes[0][0],
    });
    await fails(trusted(tsa).verify([renamed], SIGNATURE), /imprint is not the hash/);
  }
  const sha1 = new Uint8Array(createHash("sha1").update(SIGNATURE).digest());
  await fails(
    trusted(tsa).verify(
      [tsa.token(sha1, undefined, { imprintAlgorithm: "1.3.14.3.2.26" })],
      SIGNATURE,
    ),
    /^timestamp 1: the message imprint uses an unsupported hash algorithm 1\.3\.14\.3\.2\.26$/,
  );
});

Deno.test("a tampered token fails: TSTInfo, signature, or content type", async () => {
  const token = stamp();
  const { eContent } = parseToken(token);
  const at = indexOf(token, eContent);
  // A byte of genTime's digits, inside the signed TSTInfo: the digest no longer matches.
  const genTimeAt = at + eContent.length - 20;
  const tampered = token.slice();
  tampered[genTimeAt] ^= 0x01;
  await fails(
    trusted(tsa).verify([tampered], SIGNATURE),
    /^timestamp 1: (the signed message digest does not match the TSTInfo|.*does not parse)/,
  );
  // The last byte is inside the ECDSA signature.
  const badSignature = token.slice();
  badSignature[badSignature.length - 1] ^= 0x01;
  await fails(
    trusted(tsa).verify([badSignature], SIGNATURE),
    /^timestamp 1: the TSA's signature does not verify$/,
  );
  await fails(trusted(tsa).verify([new Uint8Array([0x30, 0])], SIGNATURE), /not a DER CMS/);
});

Deno.test("every token must verify, and there must be one", async () => {
  await fails(
    trusted(tsa).verify([stamp(), stamp(other)], SIGNATURE),
    /^timestamp 2: /,
  );
  await fails(trusted(tsa).verify([], SIGNATURE), /carries no RFC 3161 timestamp/);
  const both = new TimestampVerifier([
    tsa.certDer,
    tsa.root.certDer,
    other.certDer,
    other.root.certDer,
  ]);
  assert.equal((await both.verify([stamp(), stamp(other)], SIGNATURE)).length, 2);
});

Deno.test("the TSA certificate must have extended key usage timeStamping alone, critical", async () => {
  for (
    const [eku, reason] of [
      ["non-critical", /non-critical extended key usage/],
      ["none", /does not have the extended key usage timeStamping/],
      ["code-signing", /does not have the extended key usage timeStamping/],
    ] as const
  ) {
    const bad = await newTsa(`tsa-${eku}`, { eku });
    await fails(trusted(bad).verify([stamp(bad)], SIGNATURE), reason);
  }
});

Deno.test("the TSA chain is checked at genTime", async () => {
  const window = await newTsa("short-lived-tsa", {
    notBefore: new Date("2025-01-01T00:00:00Z"),
    notAfter: new Date("2025-02-01T00:00:00Z"),
  });
  const inside = new Date("2025-01-15T00:00:00Z");
  await trusted(window).verify([stamp(window, inside)], SIGNATURE);
  await fails(
    trusted(window).verify([stamp(window, new Date("2025-03-01T00:00:00Z"))], SIGNATURE),
    /^timestamp 1: TSA certificate chain does not validate: .*"CN=short-lived-tsa" has expired at 2025-03-01/,
  );
});

Deno.test("a trusted TSA certificate without its root does not verify (no partial chains)", async () => {
  await fails(
    new TimestampVerifier([tsa.certDer]).verify([stamp()], SIGNATURE),
    /^timestamp 1: TSA certificate chain does not validate/,
  );
});

Deno.test("OpenSSL accepts our request and the test TSA's token (the TSA is honest)", async () => {
  using tmp = tempDir();
  const file = (name: string, data: Uint8Array | string) => {
    const p = nodePath.join(tmp.path, name);
    if (typeof data === "string") Deno.writeTextFileSync(p, data);
    else Deno.writeFileSync(p, data);
    return p;
  };
  const request = timestampRequest(SIGNATURE);
  const token = tokenFromResponse(tsa.respond(request.der), request);
  const args = [
    "ts",
    "-verify",
    "-in",
    file("token.der", token),
    "-token_in",
    "-queryfile",
    file("request.der", request.der),
    "-CAfile",
    file("root.pem", tsa.root.certPem),
  ];
  assert.equal(await openssl(args), true);
  // The probe can fail: another TSA's root does not verify it.
  args[args.length - 1] = file("other.pem", other.root.certPem);
  assert.equal(await openssl(args), false);
});

for (const key of ["ec", "rsa"] as const) {
  Deno.test(`a token from \`openssl ts -reply\` verifies here (${key} TSA key)`, async () => {
    const tsa = key === "ec" ? defaultTsa : await newTsa("rsa-tsa", { key });
    using tmp = tempDir();
    const p = (name: string) => nodePath.join(tmp.path, name);
    Deno.writeTextFileSync(p("tsa.pem"), tsa.certPem);
    Deno.writeTextFileSync(p("tsa.key"), tsa.keyPem);
    Deno.writeTextFileSync(p("serial"), "01\n");
    Deno.writeTextFileSync(
      p("tsa.cnf"),
      [
        "[ tsa ]",
        "default_tsa = tsa_config",
        "[ tsa_config ]",
        `serial = ${p("serial")}`,
        `signer_cert = ${p("tsa.pem")}`,
        `signer_key = ${p("tsa.key")}`,
        "signer_digest = sha384",
        "default_policy = 1.2.3.4.1",
        "digests = sha256, sha384, sha512",
        "ess_cert_id_alg = sha256",
        "tsa_name = no",
        "ess_cert_id_chain = no",
        "",
      ].join("\n"),
    );
    const request = timestampRequest(SIGNATURE);
    Deno.writeFileSync(p("request.der"), request.der);
    const args = ["ts", "-reply", "-config", p("tsa.cnf"), "-queryfile", p("request.der")];
    const before = Math.floor(Date.now() / 1000) * 1000; // OpenSSL's genTime has whole seconds
    assert.ok(await openssl([...args, "-out", p("response.der")]));
    const after = Date.now();
    const token = tokenFromResponse(Deno.readFileSync(p("response.der")), request);
    const [verified] = await trusted(tsa).verify([token], SIGNATURE);
    assert.equal(verified.policy, "1.2.3.4.1");
    assert.equal(verified.tsa, key === "ec" ? "CN=test-tsa" : "CN=rsa-tsa");
    assert.ok(before <= verified.genTime.getTime() && verified.genTime.getTime() <= after);
    await fails(trusted(other).verify([token], SIGNATURE), /^timestamp 1: /);
  });
}

async function openssl(args: string[]): Promise<boolean> {
  const out = await new Deno.Command("openssl", { args, stdout: "null", stderr: "null" }).output();
  return out.success;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}
