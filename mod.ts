/**
 * Sign and verify machine-learning models in the OpenSSF `model_signing`
 * format, interoperable with the Python `model_signing` tool. The API
 * mirrors Python's: {@linkcode HashingConfig}, {@linkcode SigningConfig} and
 * {@linkcode VerifyingConfig} whose `use*` and `set*` methods chain, and the
 * top-level {@linkcode hash} and {@linkcode sign}. Lower-level primitives
 * (hash engines, the statement and bundle codecs, single signers and
 * verifiers) are in `./advanced`, which is less stable.
 *
 * Hashing a model:
 *
 * ```ts
 * import { HashingConfig } from "./mod.ts";
 *
 * const model = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${model}/weights.bin`, "model bytes");
 * await Deno.writeTextFile(`${model}/README.md`, "left out");
 *
 * const manifest = await new HashingConfig()
 *   .setIgnoredPaths({ paths: ["README.md"], ignoreGitPaths: true })
 *   .useFileSerialization({ hashingAlgorithm: "sha256" })
 *   .hash(model);
 * console.log(manifest.rootDigestString()); // sha256:…
 * await Deno.remove(model, { recursive: true });
 * ```
 *
 * Signing and verifying with an elliptic-curve key:
 *
 * ```ts
 * import { generateKeyPairSync } from "node:crypto";
 * import { SigningConfig, VerifyingConfig } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const model = `${dir}/model`;
 * await Deno.mkdir(model);
 * await Deno.writeTextFile(`${model}/weights.bin`, "model bytes");
 * const { privateKey, publicKey } = generateKeyPairSync("ec", {
 *   namedCurve: "prime256v1",
 *   privateKeyEncoding: { type: "pkcs8", format: "pem" },
 *   publicKeyEncoding: { type: "spki", format: "pem" },
 * });
 * await Deno.writeTextFile(`${dir}/key.pem`, privateKey);
 * await Deno.writeTextFile(`${dir}/key.pub`, publicKey);
 *
 * await new SigningConfig()
 *   .useEllipticKeySigner({ privateKey: `${dir}/key.pem` })
 *   .sign(model, `${dir}/model.sig`);
 * await new VerifyingConfig()
 *   .useEllipticKeyVerifier({ publicKey: `${dir}/key.pub` })
 *   .verify(model, `${dir}/model.sig`); // rejects with a ModelSigningError on any failure
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * Verifying a certificate-method signature (here one the Python tool wrote,
 * from this repository's test data) against a trusted CA:
 *
 * ```ts
 * import { HashingConfig, VerifyingConfig } from "./mod.ts";
 *
 * const data = "tests/testdata";
 * await new VerifyingConfig()
 *   .setHashingConfig(new HashingConfig().setIgnoredPaths({ paths: ["ignore-me", "model.sig"] }))
 *   .useCertificateVerifier({ certificateChain: [`${data}/keys/certificate/ca-cert.pem`] })
 *   .verify(`${data}/v1.0.1-certificate`, `${data}/v1.0.1-certificate/model.sig`);
 * ```
 *
 * Keyless signing with Sigstore, the default method (needs the network and
 * an OIDC identity; the Sigstore packages load only when used):
 *
 * ```ts ignore
 * import { sign, SigningConfig, VerifyingConfig } from "./mod.ts";
 *
 * await sign("path/to/model", "model.sig"); // interactive login, as Python's signing.sign
 * await new SigningConfig()
 *   .useSigstoreSigner({ useAmbientCredentials: true }) // or identityToken
 *   .sign("path/to/model", "model.sig");
 * await new VerifyingConfig()
 *   .useSigstoreVerifier({
 *     identity: "https://github.com/org/repo/.github/workflows/sign.yml@refs/heads/main",
 *     oidcIssuer: "https://token.actions.githubusercontent.com",
 *   })
 *   .verify("path/to/model", "model.sig");
 * ```
 *
 * @module
 */

export {
  BundleFormatError,
  CertificateError,
  ConfigError,
  type ErrorCode,
  IdentityError,
  KeyError,
  ManifestMismatchError,
  ModelPathError,
  ModelSigningError,
  OutputError,
  PayloadError,
  Pkcs11Error,
  SignatureError,
  SigstoreError,
  TimestampError,
} from "./src/errors.ts";
export { HASH_ALGORITHMS, type HashAlgorithm } from "./src/hashing/algorithms.ts";
export {
  DEFAULT_SHARD_SIZE,
  type FileSerializationOptions,
  hash,
  HashingConfig,
  type HashingMethod,
  type HashOptions,
  type HashProgress,
  type ShardSerializationOptions,
} from "./src/api/hashing_config.ts";
export { Manifest, type ManifestItem, type Serialization } from "./src/manifest/manifest.ts";
export { sign, SigningConfig } from "./src/api/signing_config.ts";
export {
  type CertificateVerifyingOptions,
  type TimestampVerifyingOptions,
  VerifyingConfig,
} from "./src/api/verifying_config.ts";
export type { TimestampVerifier, VerifiedTimestamp } from "./src/crypto/timestamp_verifier.ts";
export type {
  ExpectedItem,
  ExpectedManifest,
  ExpectedSerialization,
} from "./src/format/statement.ts";
export type {
  BundleJson,
  BundleVerifier,
  PayloadSigner,
  SignerInfo,
  VerificationLog,
  VerifiedPayload,
} from "./src/format/contracts.ts";
export type { SigningResult } from "./src/api/signing_config.ts";
export type { ReuseOptions, ReuseReport } from "./src/api/reuse.ts";
export { MAX_OCI_MANIFEST_BYTES, ociManifest, type OciManifestOptions } from "./src/api/oci.ts";
export type { VerificationResult } from "./src/api/pipeline.ts";
export type {
  SigstoreSignerOptions,
  SigstoreVerifierOptions,
} from "./src/methods/sigstore/options.ts";
export type { CertificateSignerFiles } from "./src/methods/certificate/signer.ts";
export type { CertificateVerifierOptions } from "./src/methods/certificate/verifier.ts";
// The types HashingConfig's and HashEngine's signatures name.
export type { EngineOptions, HashEngine, HashJob } from "./src/hashing/engine_types.ts";
export type { FileIdentity, FileRef, RangeTask } from "./src/hashing/file_range.ts";
export type { ModelFile } from "./src/hashing/walk.ts";
