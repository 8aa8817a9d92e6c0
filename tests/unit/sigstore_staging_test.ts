// The staging trusted root ships with the tool (src/methods/sigstore/staging/): a bundle published by
// sigstore-python, signed on staging (Fulcio, Rekor v2, TSA), verifies offline with --use-staging.
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

/** `verify sigstore --use-staging` in a child with read permission only (no network, no env). */
async function verifyCli(identity: string) {
  const model = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${model}/a.txt`, "a\n");
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
        BUNDLE,
        "--use-staging",
        "--identity",
        identity,
        "--identity-provider",
        ISSUER,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  } finally {
    Deno.removeSync(model, { recursive: true });
  }
}

Deno.test("staging: the CLI checks every Sigstore layer offline, then the statement", async () => {
  // The bundle is SLSA provenance, not a model signature: reaching the predicate check means the
  // certificate chain, SCT, Rekor v2 inclusion proof, checkpoint, timestamp and identity passed.
  const good = await verifyCli(IDENTITY);
  assert.equal(good.code, 1);
  assert.match(good.stderr, /Predicate type mismatch.*got https:\/\/slsa\.dev\/provenance\/v1$/);
  const wrong = await verifyCli("someone@example.com");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /not by 'someone@example.com'$/);
});
