// The keyless signature the Python tool 1.0.1 wrote with the public-good Sigstore instance verifies
// offline with the trusted root shipped in @sigstore/tuf, from the vectors folder and from inside
// it, and stops verifying for any other identity or issuer, a changed model byte, or a changed
// bundle field.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { TUF_SEEDS } from "../../src/deps/sigstore.ts";
import {
  BundleFormatError,
  ConfigError,
  IdentityError,
  ManifestMismatchError,
  SigstoreError,
} from "../../src/errors.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { fromBase64, toBase64 } from "../../src/util/encoding.ts";
import { PRODUCTION_TUF_URL } from "../../src/methods/sigstore/trust.ts";
import { VerifyingConfig } from "../../src/api/verifying_config.ts";
import { type CliResult, runCli, runInProcess } from "../cli.ts";
import { tempDir, VECTORS } from "../fixtures.ts";
import {
  SIGSTORE_FOLDER,
  SIGSTORE_IDENTITY,
  SIGSTORE_ISSUER,
  sigstoreVerifyArgs,
} from "../sigstore_vector.ts";

/** An air-gapped run: the file system only, no network, no environment. */
const OFFLINE = ["--allow-read"];

const FROM_ROOT = { cwd: VECTORS, model: `${SIGSTORE_FOLDER}/`, inModel: `${SIGSTORE_FOLDER}/` };
const FROM_INSIDE = { cwd: nodePath.join(VECTORS, SIGSTORE_FOLDER), model: ".", inModel: "" };

/** The files of a vector folder at absolute paths, for runs in this process. */
function absolute(root: string, folder = SIGSTORE_FOLDER): { model: string; inModel: string } {
  const model = nodePath.join(root, folder);
  return { model, inModel: `${model}/` };
}

/** `verify sigstore` of the vector in this process, trusting `trustConfig` (no TUF refresh). */
function verifyHere(
  trustConfig: string,
  at = absolute(VECTORS),
  identity?: string,
  issuer?: string,
) {
  const args = sigstoreVerifyArgs(at, identity, issuer);
  return runInProcess([...args.slice(0, -1), "--trust-config", trustConfig, ...args.slice(-1)]);
}

function assertVerified(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  assert.equal(r.stdout, "Verification succeeded\n", what);
}

function assertFailed(r: CliResult, message: RegExp, what: string): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}, ${r.stdout} ${r.stderr}`);
  assert.equal(r.stdout, "", what);
  assert.match(r.stderr.trim().split("\n").at(-1)!, message, what);
}

/** A ClientTrustConfig holding the shipped public-good trusted root, written into `dir`. */
function seedTrustConfig(dir: string, signingKey = "signingConfig"): string {
  const seed = TUF_SEEDS[PRODUCTION_TUF_URL].targets!["trusted_root.json"];
  const path = nodePath.join(dir, "trust_config.json");
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      mediaType: "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
      trustedRoot: JSON.parse(atob(seed)),
      [signingKey]: { mediaType: "application/vnd.dev.sigstore.signingconfig.v0.2+json" },
    }),
  );
  return path;
}

Deno.test("the sigstore vector verifies offline from the vectors folder and from inside it", async () => {
  for (const at of [FROM_ROOT, FROM_INSIDE]) {
    const r = await runCli(sigstoreVerifyArgs(at), { cwd: at.cwd, permissions: OFFLINE });
    assertVerified(r, at.cwd);
    assert.equal(r.stderr, "", "no notice when no refresh was allowed");
  }
  // The method word is optional: sigstore is the default.
  const r = await runCli(
    sigstoreVerifyArgs(FROM_ROOT).slice(0, 1).concat(sigstoreVerifyArgs(FROM_ROOT).slice(2)),
    {
      cwd: VECTORS,
      permissions: OFFLINE,
    },
  );
  assertVerified(r, "default method");
});

Deno.test("the identity and the issuer must match exactly", async () => {
  const cases: [string, string, string][] = [
    ["ibm.com", SIGSTORE_ISSUER, "substring of the identity"],
    ["us.ibm.com", SIGSTORE_ISSUER, "suffix of the identity"],
    ["stefanb@us.ibm.com.evil.example", SIGSTORE_ISSUER, "superstring of the identity"],
    ["xstefanb@us.ibm.com", SIGSTORE_ISSUER, "prefix added"],
    [
      "stefanb@us.ibm.co.",
      SIGSTORE_ISSUER,
      "a pattern the identity matches as a regular expression",
    ],
    ["Stefanb@us.ibm.com", SIGSTORE_ISSUER, "case changed"],
    [SIGSTORE_IDENTITY, "https://sigstore.verify.ibm.com/oauth", "issuer substring"],
    [SIGSTORE_IDENTITY, `${SIGSTORE_ISSUER}/`, "issuer superstring"],
    [SIGSTORE_IDENTITY, "https://oauth2.sigstore.dev/auth", "another issuer"],
  ];
  // In this process, with the shipped root as a trust config: the identity policy is the point.
  using tmp = tempDir();
  const trustConfig = seedTrustConfig(tmp.path);
  assertVerified(await verifyHere(trustConfig), "the right identity and issuer");
  for (const [identity, issuer, what] of cases) {
    const r = await verifyHere(trustConfig, absolute(VECTORS), identity, issuer);
    assertFailed(r, /^Verification failed with error: The sign/, what);
    if (what === "another issuer") {
      // The leaf records the issuer in both Fulcio extensions; the message names it once.
      assert.match(
        r.stderr,
        new RegExp(
          `issued by '${RegExp.escape(SIGSTORE_ISSUER)}', not by '${RegExp.escape(issuer)}'`,
        ),
      );
    }
  }
});

Deno.test("a changed byte of a signed file fails", async () => {
  using tmp = tempDir();
  const model = nodePath.join(tmp.path, SIGSTORE_FOLDER);
  Deno.mkdirSync(model);
  for (const name of ["signme-1", "signme-2", "ignore-me", "model.sig"]) {
    Deno.copyFileSync(nodePath.join(VECTORS, SIGSTORE_FOLDER, name), nodePath.join(model, name));
  }
  const file = nodePath.join(model, "signme-2");
  const bytes = Deno.readFileSync(file);
  bytes[0] ^= 1;
  Deno.writeFileSync(file, bytes);
  const r = await verifyHere(seedTrustConfig(tmp.path), absolute(tmp.path));
  assertFailed(r, /Hash mismatch for 'signme-2'/, "changed byte");
});

type Bundle = {
  verificationMaterial: {
    certificate: { rawBytes: string };
    tlogEntries: Record<string, unknown>[];
  };
  dsseEnvelope: { payload: string; signatures: { sig: string }[] };
};

const flip = (b64: string, at = -4) => {
  const bytes = fromBase64(b64)!;
  bytes[at < 0 ? bytes.length + at : at] ^= 1;
  return toBase64(bytes);
};
const entry = (b: Bundle) => b.verificationMaterial.tlogEntries[0];

const MUTATIONS: [string, (b: Bundle) => void][] = [
  [
    "DSSE signature",
    (b) => void (b.dsseEnvelope.signatures[0].sig = flip(b.dsseEnvelope.signatures[0].sig)),
  ],
  ["DSSE payload", (b) => {
    const text = new TextDecoder().decode(fromBase64(b.dsseEnvelope.payload));
    b.dsseEnvelope.payload = toBase64(
      new TextEncoder().encode(text.replace("signme-1", "signme-3")),
    );
  }],
  [
    "certificate",
    (b) =>
      void (b.verificationMaterial.certificate.rawBytes = flip(
        b.verificationMaterial.certificate.rawBytes,
      )),
  ],
  [
    "integrated time",
    (b) => void (entry(b).integratedTime = String(Number(entry(b).integratedTime) + 1)),
  ],
  ["signed entry timestamp", (b) => {
    const promise = entry(b).inclusionPromise as { signedEntryTimestamp: string };
    promise.signedEntryTimestamp = flip(promise.signedEntryTimestamp);
  }],
  // (The proof's own rootHash is not used: the root comes from the signed checkpoint.)
  ["inclusion proof hash", (b) => {
    const proof = entry(b).inclusionProof as { hashes: string[] };
    proof.hashes[0] = flip(proof.hashes[0], 0);
  }],
  ["checkpoint tree size", (b) => {
    const proof = entry(b).inclusionProof as { checkpoint: { envelope: string } };
    const [origin, size, ...rest] = proof.checkpoint.envelope.split("\n");
    proof.checkpoint.envelope = [origin, String(Number(size) + 1), ...rest].join("\n");
  }],
  ["neither inclusion promise nor proof", (b) => {
    delete entry(b).inclusionPromise;
    delete entry(b).inclusionProof;
  }],
  [
    "canonicalized body",
    (b) => void (entry(b).canonicalizedBody = flip(entry(b).canonicalizedBody as string, 10)),
  ],
  [
    "log id",
    (b) =>
      void ((entry(b).logId as { keyId: string }).keyId = flip(
        (entry(b).logId as { keyId: string }).keyId,
        0,
      )),
  ],
  ["no tlog entry", (b) => void (b.verificationMaterial.tlogEntries = [])],
];

Deno.test("a changed bundle field fails (library, trust config holding the shipped root)", async () => {
  using tmp = tempDir();
  const trustConfig = seedTrustConfig(tmp.path);
  const original = Deno.readTextFileSync(nodePath.join(VECTORS, SIGSTORE_FOLDER, "model.sig"));
  const hashing = new HashingConfig().setIgnoredPaths({ paths: ["ignore-me", "model.sig"] });
  const verify = (signature: string, identity = SIGSTORE_IDENTITY) =>
    new VerifyingConfig()
      .setHashingConfig(hashing)
      .useSigstoreVerifier({ identity, oidcIssuer: SIGSTORE_ISSUER, trustConfig })
      .verify(nodePath.join(VECTORS, SIGSTORE_FOLDER), signature);
  const unchanged = nodePath.join(tmp.path, "unchanged.sig");
  Deno.writeTextFileSync(unchanged, original);
  const expected = await verify(unchanged);
  assert.deepEqual([...expected.items.keys()], ["signme-1", "signme-2"]);
  await assert.rejects(verify(unchanged, "ibm.com"), IdentityError);
  for (const [what, mutate] of MUTATIONS) {
    const bundle = JSON.parse(original) as Bundle;
    mutate(bundle);
    const sig = nodePath.join(tmp.path, "model.sig");
    Deno.writeTextFileSync(sig, JSON.stringify(bundle));
    await assert.rejects(verify(sig), (e: Error) => {
      // A changed payload is caught by the signature check, never by the manifest comparison.
      assert.ok(!(e instanceof ManifestMismatchError), `${what}: ${e.message}`);
      assert.ok(e instanceof SigstoreError || e instanceof BundleFormatError, `${what}: ${e}`);
      return true;
    }, what);
  }
});

/** Deno's cache directory, kept when a run gets another HOME. */
function denoDir(): string {
  const out = new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).outputSync();
  return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir;
}

/** A TCP listener on 127.0.0.1 that counts connections; used as the HTTP(S) proxy of a run. */
function countingProxy(): { env: Record<string, string>; count: () => number } & Disposable {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })().catch(() => {});
  const url = `http://127.0.0.1:${listener.addr.port}`;
  return {
    env: { HTTPS_PROXY: url, HTTP_PROXY: url, https_proxy: url, http_proxy: url },
    count: () => connections,
    [Symbol.dispose]: () => listener.close(),
  };
}

Deno.test("with network: --trust-config never connects; production falls back to the shipped root with a notice", async () => {
  using tmp = tempDir();
  using proxy = countingProxy();
  const home = nodePath.join(tmp.path, "home");
  Deno.mkdirSync(home);
  // Deno itself may still need the npm registry for packages not cached yet.
  const env = {
    ...proxy.env,
    NO_PROXY: "registry.npmjs.org",
    HOME: home,
    XDG_CACHE_HOME: nodePath.join(home, ".cache"),
    DENO_DIR: denoDir(),
  };
  for (const key of ["signingConfig", "signing_config"]) {
    const trustConfig = seedTrustConfig(tmp.path, key);
    const r = await runCli([...sigstoreVerifyArgs(FROM_ROOT), "--trust-config", trustConfig], {
      cwd: VECTORS,
      env,
    });
    assertVerified(r, key);
    assert.equal(r.stderr, "");
  }
  // For verification the trust config wins over --use-staging (§5.4).
  const both = await runCli(
    [
      ...sigstoreVerifyArgs(FROM_ROOT),
      "--use-staging",
      "--trust-config",
      seedTrustConfig(tmp.path),
    ],
    { cwd: VECTORS, env },
  );
  assertVerified(both, "--use-staging with --trust-config");
  assert.equal(proxy.count(), 0, "no connection with --trust-config");
  const r = await runCli(sigstoreVerifyArgs(FROM_ROOT), { cwd: VECTORS, env });
  assertVerified(r, "production through an unreachable TUF repository");
  assert.match(
    r.stderr,
    /^WARNING: Could not refresh the Sigstore trusted root from https:\/\/tuf-repo-cdn\.sigstore\.dev \(.*\); using the trusted root shipped with this tool\.\n$/,
  );
  assert.ok(proxy.count() > 0, "the refresh went through the proxy");
});

Deno.test("other methods' signatures and other methods on this one fail with one line", async () => {
  // In this process: each fails before any trust material is needed.
  const onKeyVector = await runInProcess(
    sigstoreVerifyArgs(absolute(VECTORS, "v1.1.0-elliptic-key")),
  );
  assertFailed(
    onKeyVector,
    /^Verification failed with error: A Sigstore signature must carry the signing certificate$/,
    "key vector",
  );
  const onCertificateVector = await runInProcess(
    sigstoreVerifyArgs(absolute(VECTORS, "v1.0.1-certificate")),
  );
  assertFailed(
    onCertificateVector,
    /^Verification failed with error: Invalid Sigstore bundle: invalid bundle \(verificationMaterial\.content\.\$case\)$/,
    "certificate vector (a v0.3 bundle must not carry a chain)",
  );
  const asKey = await runInProcess([
    "verify",
    "key",
    "--public-key",
    nodePath.join(VECTORS, "keys/certificate/signing-key-pub.pem"),
    ...sigstoreVerifyArgs(absolute(VECTORS)).slice(6),
  ]);
  assertFailed(asKey, /^Verification failed with error: /, "verify key");
});

Deno.test("usage errors: verify sigstore needs --identity and --identity-provider", async () => {
  const { model, inModel } = absolute(VECTORS);
  const base = ["verify", "sigstore", "--signature", `${inModel}model.sig`, model];
  for (
    const [args, missing] of [
      [[...base, "--identity-provider", SIGSTORE_ISSUER], "--identity"],
      [[...base, "--identity", SIGSTORE_IDENTITY], "--identity-provider"],
    ] as const
  ) {
    const r = await runInProcess([...args]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`Missing option '${missing}'`));
  }
  const staging = await runInProcess([...sigstoreVerifyArgs(absolute(VECTORS)), "--use-staging"]);
  assertFailed(
    staging,
    // The shipped staging root does not anchor a production certificate.
    /Sigstore verification failed: CERTIFICATE_ERROR: Failed to verify certificate chain$/,
    "a production bundle against the staging root",
  );
  const badConfig = await runCli([
    ...sigstoreVerifyArgs(FROM_ROOT),
    "--trust-config",
    "nonexistent.json",
  ], {
    cwd: VECTORS,
    permissions: OFFLINE,
  }); // a child: the message names the file as given, relative to the working directory
  assertFailed(
    badConfig,
    /Cannot read trust config 'nonexistent\.json': no such file/,
    "missing file",
  );
});

Deno.test("a trust config whose key or certificate bytes cannot be read is a ConfigError naming it", async () => {
  using tmp = tempDir();
  const trustConfig = seedTrustConfig(tmp.path);
  const json = JSON.parse(Deno.readTextFileSync(trustConfig));
  json.trustedRoot.tlogs[0].publicKey.rawBytes = "AAAA";
  Deno.writeTextFileSync(trustConfig, JSON.stringify(json));
  const folder = nodePath.join(VECTORS, SIGSTORE_FOLDER);
  await assert.rejects(
    new VerifyingConfig()
      .setHashingConfig(new HashingConfig().setIgnoredPaths({ paths: ["ignore-me", "model.sig"] }))
      .useSigstoreVerifier({
        identity: SIGSTORE_IDENTITY,
        oidcIssuer: SIGSTORE_ISSUER,
        trustConfig,
      })
      .verify(folder, nodePath.join(folder, "model.sig")),
    (e) =>
      e instanceof ConfigError &&
      e.message.startsWith(
        `Cannot use the trusted root of '${trustConfig}': a key or certificate in it cannot be read`,
      ),
  );
});
