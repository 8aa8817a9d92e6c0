// The staging trusted root ships with the tool (src/methods/sigstore/staging/): bundles published
// upstream and signed on staging verify offline with --use-staging (tests/testdata/sigstore_staging/).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SigstoreVerifier } from "../../src/methods/sigstore/verifier.ts";
import { IdentityError, SigstoreError } from "../../src/errors.ts";

const BUNDLE = fileURLToPath(
  new URL(
    "../testdata/sigstore_staging/a.dsse.staging-rekor-v2.txt.sigstore.json",
    import.meta.url,
  ),
);
const IDENTITY = "insecure-cloudtop-shared-user@cloudtop-prod-us-east.iam.gserviceaccount.com";
const ISSUER = "https://accounts.google.com";
const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

const bundle = () => JSON.parse(Deno.readTextFileSync(BUNDLE));

Deno.test("staging: a published staging bundle verifies with the shipped staging root", async () => {
  const verified = await new SigstoreVerifier({
    identity: IDENTITY,
    oidcIssuer: ISSUER,
    useStaging: true,
  }).verify(bundle());
  assert.equal(verified.payloadType, "application/vnd.in-toto+json");
  const statement = JSON.parse(new TextDecoder().decode(verified.payload));
  assert.equal(statement.subject[0].name, "a.txt");
});

Deno.test("staging: the production root does not verify a staging bundle", async () => {
  await assert.rejects(
    new SigstoreVerifier({ identity: IDENTITY, oidcIssuer: ISSUER }).verify(bundle()),
    SigstoreError,
  );
});

Deno.test("staging: a changed signature fails against the staging root", async () => {
  const json = bundle();
  const sig: string = json.dsseEnvelope.signatures[0].sig;
  json.dsseEnvelope.signatures[0].sig = sig.slice(0, 10) + (sig[10] === "A" ? "B" : "A") +
    sig.slice(11);
  await assert.rejects(
    new SigstoreVerifier({ identity: IDENTITY, oidcIssuer: ISSUER, useStaging: true }).verify(json),
    SigstoreError,
  );
});

Deno.test("staging: a different expected identity is refused", async () => {
  await assert.rejects(
    new SigstoreVerifier({ identity: "someone@example.com", oidcIssuer: ISSUER, useStaging: true })
      .verify(bundle()),
    IdentityError,
  );
});

const STAGING = new URL("../testdata/sigstore_staging/", import.meta.url);
const MODEL_SIGNATURE = fileURLToPath(new URL("hf-model.staging.sig", STAGING));
const MODEL_SIGNER = "ifont@redhat.com";
/** The one file of the staging-signed model that is public data: Hugging Face's `.gitattributes`. */
const GITATTRIBUTES = Deno.readFileSync(new URL("hf-model.gitattributes", STAGING));

/** `verify sigstore` in a child with read permission only (no network, no env). */
async function verifyCli(model: string, signature: string, identity: string, extra: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      MAIN,
      "verify",
      "sigstore",
      model,
      "--signature",
      signature,
      "--identity",
      identity,
      "--identity-provider",
      ISSUER,
      ...extra,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout).trim(),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

/** A temporary model holding `files`, removed after `body`. */
async function withModel(
  files: Record<string, Uint8Array>,
  body: (model: string) => Promise<void>,
) {
  const model = Deno.makeTempDirSync();
  try {
    for (const [name, bytes] of Object.entries(files)) {
      Deno.writeFileSync(`${model}/${name}`, bytes);
    }
    await body(model);
  } finally {
    Deno.removeSync(model, { recursive: true });
  }
}

Deno.test("staging: the CLI checks every Sigstore layer offline, then the statement", async () => {
  // The bundle is SLSA provenance, not a model signature: reaching the predicate check means the
  // certificate chain, SCT, Rekor v2 inclusion proof, checkpoint, timestamp and identity passed.
  await withModel({ "a.txt": new TextEncoder().encode("a\n") }, async (model) => {
    const good = await verifyCli(model, BUNDLE, IDENTITY, ["--use-staging"]);
    assert.equal(good.code, 1);
    assert.match(good.stderr, /Predicate type mismatch.*got https:\/\/slsa\.dev\/provenance\/v1$/);
    const wrong = await verifyCli(model, BUNDLE, "someone@example.com", ["--use-staging"]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /not by 'someone@example.com'$/);
  });
});

// The upstream format document's example: a model signature made on staging. Its public file is
// checked with --only; the rest of the model (weights, tokenizer) is not public data.
const MODEL_FLAGS = ["--use-staging", "--only", ".gitattributes", "--no-ignore-git-paths"];

Deno.test("staging: a published staging model signature verifies offline with read permission only", async () => {
  await withModel({ ".gitattributes": GITATTRIBUTES }, async (model) => {
    const result = await verifyCli(model, MODEL_SIGNATURE, MODEL_SIGNER, MODEL_FLAGS);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "Verification succeeded (1 of 10 signed files checked)");
  });
});

Deno.test("staging: the staging model signature fails after any change to its signed file", async () => {
  for (const index of [0, GITATTRIBUTES.length >> 1, GITATTRIBUTES.length - 1]) {
    const changed = GITATTRIBUTES.slice();
    changed[index] ^= 1;
    await withModel({ ".gitattributes": changed }, async (model) => {
      const result = await verifyCli(model, MODEL_SIGNATURE, MODEL_SIGNER, MODEL_FLAGS);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /Hash mismatch for '\.gitattributes'/);
    });
  }
});

Deno.test("staging: the staging model signature fails with the production root or another signer", async () => {
  await withModel({ ".gitattributes": GITATTRIBUTES }, async (model) => {
    const production = await verifyCli(model, MODEL_SIGNATURE, MODEL_SIGNER, MODEL_FLAGS.slice(1));
    assert.equal(production.code, 1);
    assert.match(production.stderr, /Failed to verify certificate chain/);
    const other = await verifyCli(model, MODEL_SIGNATURE, "someone@example.com", MODEL_FLAGS);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /not by 'someone@example.com'$/);
  });
});
