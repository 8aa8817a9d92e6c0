// PKCS #11 signing against a real SoftHSM2 token (docs/format.md §7.4): keys on P-256, P-384 and
// P-521 imported into a fresh token, round trips through the CLI and the library, bundles that
// verify with `verify key` / `verify certificate` and signatures OpenSSL accepts over the PAE, and
// one-line errors without the PIN for every failure a user can cause.
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { Pkcs11Error } from "../../src/errors.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { pae } from "../../src/format/dsse.ts";
import { PAYLOAD_TYPE } from "../../src/format/statement.ts";
import { CERT_KEYS, type Curve, mintLeaf, writePemFile } from "../certs.ts";
import { ROOT, runCli, runInProcess } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { absentSoftHsm, PIN, softHsm, SOFTHSM_AVAILABLE, SOFTHSM_MODULE } from "../softhsm.ts";
import { newTsa, serveTsa, verifyCertificateArgs } from "../tsa.ts";

const GOLDEN_ROOT = nodePath.join(CERT_KEYS, "ca-cert.pem");
const CURVES: { curve: Curve; label: string; id: string; hash: string }[] = [
  { curve: "P-256", label: "k256", id: "01", hash: "sha256" },
  { curve: "P-384", label: "k384", id: "02", hash: "sha384" },
  { curve: "P-521", label: "k521", id: "03", hash: "sha512" },
];

// Where SoftHSM2 is missing (macOS, Windows, a machine without the package) these tests are
// skipped with a notice; on Linux CI, which installs it, they run and must pass.
const ignore = !SOFTHSM_AVAILABLE && !(Deno.env.get("CI") && Deno.build.os === "linux");
if (ignore) {
  console.warn("SoftHSM2 not found: PKCS #11 tests skipped (Debian: apt-get install softhsm2)");
}
const test = (name: string, fn: () => Promise<void>) => Deno.test({ name, ignore, fn });

const tmp = tempDir();
const hsm = ignore ? absentSoftHsm() : await softHsm(tmp.path);
const model = nodePath.join(tmp.path, "model");
Deno.mkdirSync(model);
Deno.writeTextFileSync(nodePath.join(model, "weights"), "some weights");
/** One token key's files. */
interface TokenLeaf {
  /** PKCS#8 PEM of the key imported into the token. */
  privateKeyPem: string;
  /** Intermediates of the leaf. */
  chain: Uint8Array[];
  /** PEM certificate file. */
  cert: string;
  /** PEM public key file. */
  pub: string;
}
const leaves = new Map<string, TokenLeaf>();
for (const { curve, label, id } of CURVES) {
  const leaf = await mintLeaf({ curve });
  await hsm.importKey(leaf.privateKeyPem, label, id);
  const pub = nodePath.join(tmp.path, `${label}.pub.pem`);
  Deno.writeTextFileSync(
    pub,
    createPublicKey(leaf.privateKey).export({ type: "spki", format: "pem" }) as string,
  );
  const cert = nodePath.join(tmp.path, `${label}.cert.pem`);
  Deno.writeTextFileSync(cert, leaf.certPem);
  leaves.set(label, { privateKeyPem: leaf.privateKeyPem, chain: leaf.chain, cert, pub });
}
const chain = writePemFile(tmp.path, "chain.pem", ...leaves.get("k256")!.chain);
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
await hsm.importKey(rsa.export({ type: "pkcs8", format: "pem" }) as string, "rsa", "09");

let counter = 0;
const sigPath = () => nodePath.join(tmp.path, `s${counter++}.sig`);
const env = hsm.env;

/** Checks the DER signature of a bundle over the PAE with `openssl dgst -verify`. */
async function opensslVerifies(sig: string, pub: string, hash: string): Promise<boolean> {
  const bundle = JSON.parse(Deno.readTextFileSync(sig));
  const envelope = bundle.dsseEnvelope;
  const payload = Uint8Array.from(atob(envelope.payload), (c) => c.charCodeAt(0));
  const data = nodePath.join(tmp.path, "pae.bin");
  const der = nodePath.join(tmp.path, "sig.der");
  Deno.writeFileSync(data, pae(PAYLOAD_TYPE, payload));
  Deno.writeFileSync(
    der,
    Uint8Array.from(atob(envelope.signatures[0].sig), (c) => c.charCodeAt(0)),
  );
  const out = await new Deno.Command("openssl", {
    args: ["dgst", `-${hash}`, "-verify", pub, "-signature", der, data],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return out.success;
}

for (const { label, id, hash } of CURVES) {
  test(`CLI: sign pkcs11-key (${label}) verifies with verify key and OpenSSL`, async () => {
    const leaf = leaves.get(label)!;
    const sig = sigPath();
    const signed = await runCli(
      ["sign", "pkcs11-key", "--pkcs11-uri", hsm.uri(`object=${label}`), "--signature", sig, model],
      { env },
    );
    assert.equal(signed.code, 0, signed.stderr);
    // The same bundle material as the key method writes with the same key.
    const keyFile = nodePath.join(tmp.path, `${label}.key.pem`);
    Deno.writeTextFileSync(keyFile, leaf.privateKeyPem);
    const reference = sigPath();
    await runCli(["sign", "key", "--private-key", keyFile, "--signature", reference, model]);
    const material = (p: string) => JSON.parse(Deno.readTextFileSync(p)).verificationMaterial;
    assert.deepEqual(material(sig), material(reference));
    const verified = await runCli(
      ["verify", "key", "--public-key", leaf.pub, "--signature", sig, model],
    );
    assert.equal(verified.code, 0, verified.stderr);
    assert.ok(await opensslVerifies(sig, leaf.pub, hash));
    // The probe can fail: another curve's key does not verify it.
    const other = leaves.get(label === "k256" ? "k384" : "k256")!;
    assert.equal(await opensslVerifies(sig, other.pub, hash), false);
  });

  test(`CLI: sign pkcs11-certificate (${label}, by id) verifies with verify certificate`, async () => {
    const leaf = leaves.get(label)!;
    const sig = sigPath();
    const signed = await runCli([
      "sign",
      "pkcs11-certificate",
      "--pkcs11-uri",
      hsm.uri(`id=%${id}`),
      "--signing-certificate",
      leaf.cert,
      "--certificate-chain",
      chain,
      "--signature",
      sig,
      model,
    ], { env });
    assert.equal(signed.code, 0, signed.stderr);
    const bundle = JSON.parse(Deno.readTextFileSync(sig));
    assert.equal(bundle.verificationMaterial.x509CertificateChain.certificates.length, 2);
    const verified = await runCli(
      ["verify", "certificate", "--certificate-chain", GOLDEN_ROOT, "--signature", sig, model],
    );
    assert.equal(verified.code, 0, verified.stderr);
    assert.ok(await opensslVerifies(sig, leaf.pub, hash));
  });

  test(`library: usePkcs11Signer and usePkcs11CertificateSigner (${label})`, async () => {
    const leaf = leaves.get(label)!;
    const keySig = sigPath();
    await new SigningConfig().usePkcs11Signer({ uri: hsm.uri(`object=${label}`) }).sign(
      model,
      keySig,
    );
    await new VerifyingConfig().useEllipticKeyVerifier({ publicKey: leaf.pub }).verify(
      model,
      keySig,
    );
    const certSig = sigPath();
    await new SigningConfig().usePkcs11CertificateSigner({
      uri: hsm.uri(`object=${label}`),
      signingCertificate: leaf.cert,
      certificateChain: [chain],
    }).sign(model, certSig);
    const verifier = await new VerifyingConfig().useCertificateVerifier({
      certificateChain: [GOLDEN_ROOT],
    });
    await verifier.verify(model, certSig);
  });
}

test("a PIN from a pin-source file (absolute path and file: URI)", async () => {
  const pinFile = nodePath.join(tmp.path, "pin.txt");
  Deno.writeTextFileSync(pinFile, `${PIN}\n`);
  for (const source of [pinFile, `file://${pinFile}`]) {
    const sig = sigPath();
    const r = await runCli([
      "sign",
      "pkcs11-key",
      "--pkcs11-uri",
      hsm.uri("object=k256", `pin-source=${source}`),
      "--signature",
      sig,
      model,
    ], { env });
    assert.equal(r.code, 0, r.stderr);
  }
});

test("without a PIN in the URI, it is asked for on the terminal and not echoed", async () => {
  const sig = sigPath();
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const command = [
    Deno.execPath(),
    "run",
    "--allow-all",
    "--quiet",
    nodePath.join(ROOT, "main.ts"),
    "sign",
    "pkcs11-key",
    "--pkcs11-uri",
    hsm.uri("object=k256", ""),
    "--signature",
    sig,
    model,
  ].map(quote).join(" ");
  // `script` gives the CLI a pseudo-terminal; the PIN is typed once the prompt shows.
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  const writer = child.stdin.getWriter();
  let text = "";
  let typed = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    if (!typed && text.includes("PIN for PKCS #11 token 'test': ")) {
      typed = true;
      await writer.write(new TextEncoder().encode(`${PIN}\r`));
    }
  }
  await writer.close().catch(() => {});
  assert.equal((await child.status).code, 0, text);
  assert.ok(typed, text);
  assert.match(text, /Signing succeeded/);
  assert.doesNotMatch(text, new RegExp(PIN));
  assert.ok(Deno.statSync(sig).isFile);
});

test("--allow-ffi is what the PKCS #11 commands need, and all they need beyond the others", async () => {
  const sig = sigPath();
  const args = [
    "sign",
    "pkcs11-key",
    "--pkcs11-uri",
    hsm.uri("object=k256"),
    "--signature",
    sig,
    model,
  ];
  const narrow = ["--allow-read", "--allow-write", "--allow-env"];
  const refused = await runCli(args, { env, permissions: narrow });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /needs the --allow-ffi permission/);
  const allowed = await runCli(args, { env, permissions: [...narrow, "--allow-ffi"] });
  assert.equal(allowed.code, 0, allowed.stderr);
});

const notAModule = nodePath.join(tmp.path, "not-a-module.so");
Deno.writeTextFileSync(notAModule, "not a shared library");
const aLibrary = ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libc.so.6"]
  .concat(["/usr/lib/aarch64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libc.so.6"])
  .find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });

const FAILURES: { name: string; args: string[]; says: RegExp }[] = [
  {
    name: "module not found",
    args: [
      "pkcs11-key",
      "--pkcs11-uri",
      "pkcs11:object=k256?module-path=/nonexistent/p11.so&pin-value=1234",
    ],
    says: /Cannot load PKCS #11 module '\/nonexistent\/p11.so': no such file/,
  },
  {
    name: "module-name not found",
    args: [
      "pkcs11-key",
      "--pkcs11-uri",
      "pkcs11:object=k256?module-name=no-such-module&pin-value=1234",
    ],
    says: /PKCS #11 module 'no-such-module' not found/,
  },
  {
    name: "not a shared library",
    args: [
      "pkcs11-key",
      "--pkcs11-uri",
      `pkcs11:object=k256?module-path=${notAModule}&pin-value=1234`,
    ],
    says: /it cannot be loaded as a shared library/,
  },
  {
    name: "a shared library that is not a PKCS #11 module",
    args: [
      "pkcs11-key",
      "--pkcs11-uri",
      `pkcs11:object=k256?module-path=${aLibrary}&pin-value=1234`,
    ],
    says: /it is not a PKCS #11 module \(no C_GetFunctionList\)/,
  },
  {
    name: "no such token",
    args: [
      "pkcs11-key",
      "--pkcs11-uri",
      hsm.uri("object=k256").replace("token=test", "token=other"),
    ],
    says: /No PKCS #11 token matches token 'other'/,
  },
  {
    name: "no such object",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=missing")],
    says: /No PKCS #11 private key 'missing' on token 'test'/,
  },
  {
    name: "wrong PIN",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=k256", "pin-value=9999")],
    says: /PKCS #11 login to token 'test' failed: wrong PIN/,
  },
  {
    name: "no PIN and no terminal",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=k256", "")],
    says: /token 'test' needs a PIN: give pin-value or pin-source in the URI, or run on a terminal/,
  },
  {
    name: "an RSA key",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=rsa")],
    says: /PKCS #11 key 'rsa' is not an elliptic-curve key/,
  },
  {
    name: "a certificate of another key",
    args: [
      "pkcs11-certificate",
      "--pkcs11-uri",
      hsm.uri("object=k256"),
      "--signing-certificate",
      leaves.get("k384")!.cert,
    ],
    says:
      /The public key from the certificate does not match the public key of PKCS #11 key 'k256'/,
  },
  {
    name: "a PIN file that does not exist",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=k256", "pin-source=/nonexistent/pin")],
    says: /Cannot read PIN file '\/nonexistent\/pin': no such file/,
  },
  {
    name: "a PIN file that is a directory",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=k256", "pin-source=/tmp")],
    says: /Cannot read PIN file '\/tmp': it is a directory, not a regular file/,
  },
  {
    name: "both pin-value and pin-source",
    args: ["pkcs11-key", "--pkcs11-uri", hsm.uri("object=k256", "pin-value=1234&pin-source=/x")],
    says: /give 'pin-value' or 'pin-source', not both/,
  },
];

for (const { name, args, says } of FAILURES) {
  test(`one-line error without the PIN: ${name}`, async () => {
    assert.ok(aLibrary, "no ordinary shared library found to test with");
    const sig = sigPath();
    const r = await runCli(["sign", ...args, "--signature", sig, model], { env });
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], says);
    assert.doesNotMatch(r.stdout + r.stderr, /1234|9999/);
    assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
  });
}

test("library errors are typed Pkcs11Error with the CKR value, and nothing is written", async () => {
  const sig = sigPath();
  await assert.rejects(
    new SigningConfig().usePkcs11Signer({ uri: hsm.uri("object=k256", "pin-value=0000") }).sign(
      model,
      sig,
    ),
    (e: unknown) => e instanceof Pkcs11Error && e.ckr === 0xa0 && !e.message.includes("0000"),
  );
  assert.throws(() => Deno.statSync(sig), Deno.errors.NotFound);
});

test("the module the URI names by module-name in a module-path directory", async () => {
  const sig = sigPath();
  const uri = `pkcs11:token=test;object=k256?module-path=${
    nodePath.dirname(SOFTHSM_MODULE)
  }&module-name=LIBSOFTHSM2&pin-value=${PIN}`;
  const r = await runCli(["sign", "pkcs11-key", "--pkcs11-uri", uri, "--signature", sig, model], {
    env,
  });
  assert.equal(r.code, 0, r.stderr);
});

test("CLI: sign pkcs11-certificate --tsa-url verifies with verify certificate --tsa-certificate-chain", async () => {
  const tsa = await newTsa();
  await using server = serveTsa(tsa);
  const tsaChain = nodePath.join(tmp.path, "tsa-chain.pem");
  Deno.writeTextFileSync(tsaChain, tsa.chainPem);
  const leaf = leaves.get("k384")!;
  const sig = sigPath();
  const signed = await runCli([
    "sign",
    "pkcs11-certificate",
    "--pkcs11-uri",
    hsm.uri("object=k384"),
    "--signing-certificate",
    leaf.cert,
    "--certificate-chain",
    chain,
    "--tsa-url",
    server.url,
    "--signature",
    sig,
    model,
  ], { env });
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(server.requests.length, 1);
  const verify = (extra: string[]) => runInProcess(verifyCertificateArgs(sig, model, extra));
  const verified = await verify(["--tsa-certificate-chain", tsaChain]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.stderr, /Timestamp 1: .* by CN=test-tsa/);
  const other = nodePath.join(tmp.path, "other-tsa-chain.pem");
  Deno.writeTextFileSync(other, (await newTsa("other-tsa")).chainPem);
  const refused = await verify(["--tsa-certificate-chain", other]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /timestamp 1: TSA certificate chain does not validate/);
});

globalThis.addEventListener("unload", () => Deno.removeSync(tmp.path, { recursive: true }));
