// Heavy dependencies load only with the method that needs them (start-up time, and no environment
// access they need): the Sigstore packages with the sigstore method, the X.509 library with the
// certificate method, the PKCS #11 FFI binding with the PKCS #11 methods (which need --allow-ffi),
// the RFC 3161 ASN.1 code with --tsa-url / --tsa-certificate-chain, the OpenTelemetry API only with
// OTEL_DENO=true.
import assert from "node:assert/strict";
import { childOutput, runCliCode } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";
import { sigstoreVerifyArgs } from "../sigstore_vector.ts";

/** Set by the node:crypto fix, which the Sigstore dependency modules import first. */
const SIGSTORE_PROBE = `crypto[Symbol.for("model-signing.node-crypto-default-digest")] === true`;
/** Set by the reflect-metadata polyfill, which src/deps/x509.ts imports first. */
const X509_PROBE = `typeof Reflect.getMetadata === "function"`;

/** Runs the CLI in-process in a child and reports the value of `probe` afterwards. */
function loads(args: string[], probe: string): Promise<boolean> {
  return probeAfter(runCliCode(args), probe);
}

/** Runs `script` (which may import `%MOD%`, the library) in a child, then reports `probe`. */
async function probeAfter(script: string, probe: string): Promise<boolean> {
  const text = await childOutput(
    `import crypto from "node:crypto";
    ${script}
    console.log(${probe});`,
    VECTORS,
  );
  assert.ok(text === "true" || text === "false", text);
  return text === "true";
}

const key = [
  "verify",
  "key",
  "--public-key",
  "keys/certificate/signing-key-pub.pem",
  "--ignore-paths",
  "v1.1.0-elliptic-key/ignore-me",
  "--signature",
  "v1.1.0-elliptic-key/model.sig",
  "v1.1.0-elliptic-key",
];

Deno.test("help, version, digest, key and certificate do not load the Sigstore packages", async () => {
  for (
    const args of [
      ["--help"],
      ["--version"],
      ["sign", "--help"],
      ["verify", "sigstore", "--help"],
      ["digest", "v1.1.0-elliptic-key"],
      key,
      ["verify", "certificate", "--signature", "x.sig", "v1.0.1-certificate"],
    ]
  ) {
    assert.equal(await loads(args, SIGSTORE_PROBE), false, args.join(" "));
  }
  // The probe works: verify sigstore does load them.
  assert.equal(await loads(sigstoreVerifyArgs(), SIGSTORE_PROBE), true);
});

Deno.test("help, digest and the key method do not load the X.509 library", async () => {
  const signKey = ["sign", "key", "--private-key", "keys/certificate/signing-key.pem", "--help"];
  for (
    const args of [["--help"], ["sign", "--help"], signKey, ["digest", "v1.1.0-elliptic-key"], key]
  ) {
    assert.equal(await loads(args, X509_PROBE), false, args.join(" "));
  }
  // The probe works: the certificate method loads it.
  const certificate = ["verify", "certificate", "--signature", "x.sig", "v1.0.1-certificate"];
  assert.equal(await loads(certificate, X509_PROBE), true);
});

/** Marked on the performance timeline by src/methods/pkcs11/ffi.ts when it loads. */
const FFI_PROBE = `performance.getEntriesByName("model-signing:pkcs11-ffi-loaded").length > 0`;

Deno.test("commands other than sign pkcs11-* never load the PKCS #11 FFI code", async () => {
  for (
    const args of [
      ["--help"],
      ["sign", "--help"],
      ["sign", "pkcs11-key", "--help"],
      ["digest", "v1.1.0-elliptic-key"],
      key,
      ["verify", "certificate", "--signature", "x.sig", "v1.0.1-certificate"],
      ["verify", "pkcs11-key", "--signature", "x.sig", "v1.0.1-certificate"],
      sigstoreVerifyArgs(),
    ]
  ) {
    assert.equal(await loads(args, FFI_PROBE), false, args.join(" "));
  }
  // The probe works: sign pkcs11-key loads it (and then fails on the missing module).
  const pkcs11 = [
    "sign",
    "pkcs11-key",
    "--pkcs11-uri",
    "pkcs11:object=k?module-path=/nonexistent/p11.so&pin-value=0",
    "--signature",
    "/nonexistent/x.sig",
    "v1.1.0-elliptic-key",
  ];
  assert.equal(await loads(pkcs11, FFI_PROBE), true);
});

/** Marked by src/deps/opentelemetry.ts when the OpenTelemetry API loads. */
const OTEL_PROBE = `performance.getEntriesByName("model-signing:opentelemetry-loaded").length > 0`;

Deno.test("with telemetry off, no command loads the OpenTelemetry API", async () => {
  for (const args of [["--help"], ["digest", "v1.1.0-elliptic-key"], key]) {
    assert.equal(await loads(args, OTEL_PROBE), false, args.join(" "));
  }
  // The probe works: with OTEL_DENO=true the same verification loads it.
  const on = `Deno.env.set("OTEL_DENO", "true");
    ${runCliCode(key)}`;
  assert.equal(await probeAfter(on, OTEL_PROBE), true);
});

/** Marked on the performance timeline by src/deps/asn1.ts when it loads. */
const ASN1_PROBE = `performance.getEntriesByName("model-signing:asn1-loaded").length > 0`;

Deno.test("the RFC 3161 code loads only with --tsa-url or --tsa-certificate-chain", async () => {
  const certificate = [
    "verify",
    "certificate",
    "--certificate-chain",
    "keys/certificate/ca-cert.pem",
    "--ignore-paths",
    "v1.0.1-certificate/ignore-me",
    "--signature",
    "v1.0.1-certificate/model.sig",
    "v1.0.1-certificate",
  ];
  const signKey = [
    "sign",
    "key",
    "--private-key",
    "keys/certificate/signing-key.pem",
    "--signature",
    "/nonexistent/x.sig",
    "v1.1.0-elliptic-key",
  ];
  for (const args of [["--help"], key, certificate, signKey, sigstoreVerifyArgs()]) {
    assert.equal(await loads(args, ASN1_PROBE), false, args.join(" "));
  }
  // The probe works: each option loads it (and then the signing or the verification fails).
  const chain = ["--tsa-certificate-chain", "keys/certificate/ca-cert.pem"];
  for (
    const args of [
      [...key.slice(0, 4), ...chain, ...key.slice(4)],
      [...certificate.slice(0, 4), ...chain, ...certificate.slice(4)],
      [...signKey.slice(0, 4), "--tsa-url", "http://127.0.0.1:9/tsr", ...signKey.slice(4)],
    ]
  ) {
    assert.equal(await loads(args, ASN1_PROBE), true, args.join(" "));
  }
});

Deno.test("configuring a method loads nothing: the packages load in sign() and verify()", async () => {
  const configure = `import { SigningConfig, VerifyingConfig } from %MOD%;
    new SigningConfig().useSigstoreSigner({ trustConfig: "no-such.json" })
      .useCertificateSigner({ privateKey: "k.pem", signingCertificate: "c.pem" });
    new VerifyingConfig().useSigstoreVerifier({ identity: "i", oidcIssuer: "o" })
      .useCertificateVerifier({ certificateChain: ["no-such.pem"] });`;
  assert.equal(await probeAfter(configure, SIGSTORE_PROBE), false);
  assert.equal(await probeAfter(configure, X509_PROBE), false);
  // Without a method, SigningConfig.sign and the top-level sign prepare the Sigstore signer
  // (before hashing: the missing model fails only after the packages loaded).
  for (
    const call of [
      `import { SigningConfig } from %MOD%; const p = new SigningConfig().sign("no-such-model", "x.sig");`,
      `import { sign } from %MOD%; const p = sign("no-such-model", "x.sig");`,
    ]
  ) {
    const script = `${call}
      const e = await p.then(() => undefined, (e) => e);
      if (e?.code !== "MODEL_PATH") throw new Error("expected a ModelPathError, got " + e);`;
    assert.equal(await probeAfter(script, SIGSTORE_PROBE), true, call);
  }
});
