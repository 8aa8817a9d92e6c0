/**
 * Sign and verify machine-learning models in the OpenSSF `model_signing`
 * format, interoperable with the Python `model_signing` tool.
 *
 * Hashing a model:
 *
 * ```ts
 * import { HashingConfig } from "./mod.ts";
 *
 * const manifest = await new HashingConfig()
 *   .setIgnoredPaths({ paths: ["README.md"], ignoreGitPaths: true })
 *   .useFileSerialization({ hashingAlgorithm: "sha256" })
 *   .hash("path/to/model");
 * console.log(manifest.rootDigestString()); // sha256:…
 * ```
 *
 * Signing and verifying with an elliptic-curve key:
 *
 * ```ts
 * import { SigningConfig, VerifyingConfig } from "./mod.ts";
 *
 * await new SigningConfig()
 *   .useEllipticKeySigner({ privateKey: "key.pem" })
 *   .sign("path/to/model", "model.sig");
 * await new VerifyingConfig()
 *   .useEllipticKeyVerifier({ publicKey: "key.pub" })
 *   .verify("path/to/model", "model.sig"); // throws a ModelSigningError on any failure
 * ```
 *
 * Keyless signing with Sigstore (the Sigstore packages load only when used):
 *
 * ```ts
 * import { SigningConfig, VerifyingConfig } from "./mod.ts";
 *
 * const signing = await new SigningConfig()
 *   .useSigstoreSigner({ useAmbientCredentials: true }); // or identityToken, or a browser login
 * await signing.sign("path/to/model", "model.sig");
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

export * from "./src/errors.ts";
export { DIGEST_SIZE, HASH_ALGORITHMS, type HashAlgorithm } from "./src/hashing/algorithms.ts";
export type { EngineOptions, HashEngine, HashJob } from "./src/hashing/engine_types.ts";
export type { RangeTask } from "./src/hashing/file_range.ts";
export { createEngine, type CreateEngineOptions, SerialEngine } from "./src/hashing/engine.ts";
export { type PoolOptions, WorkerPoolEngine } from "./src/hashing/pool.ts";
export { GIT_IGNORE_ENTRIES } from "./src/hashing/ignore.ts";
export { compareCanonicalPaths } from "./src/manifest/order.ts";
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
export {
  itemName,
  Manifest,
  type ManifestItem,
  rootDigest,
  type Serialization,
} from "./src/manifest/manifest.ts";
export type {
  BundleJson,
  BundleVerifier,
  PayloadSigner,
  SignerInfo,
  VerificationLog,
  VerifiedPayload,
} from "./src/format/contracts.ts";
export { SigningConfig, type SigningResult } from "./src/api/signing_config.ts";
export type { ReuseOptions, ReuseReport } from "./src/api/reuse.ts";
export { MAX_OCI_MANIFEST_BYTES, ociManifest, type OciManifestOptions } from "./src/api/oci.ts";
export type {
  SigstoreSignerOptions,
  SigstoreVerifierOptions,
} from "./src/methods/sigstore/options.ts";
export { EllipticKeySigner } from "./src/methods/key/signer.ts";
export {
  CertificateSigner,
  type CertificateSignerFiles,
} from "./src/methods/certificate/signer.ts";
export { publicKeyHint } from "./src/crypto/ec_keys.ts";
export { sigstoreVerifier, VerifyingConfig } from "./src/api/verifying_config.ts";
export { EllipticKeyVerifier } from "./src/methods/key/verifier.ts";
export {
  CertificateVerifier,
  type CertificateVerifierOptions,
} from "./src/methods/certificate/verifier.ts";
export {
  compareManifests,
  type VerificationResult,
  verifyModel,
  verifyModelDetailed,
  type VerifyModelOptions,
} from "./src/api/pipeline.ts";
export {
  buildStatement,
  type ExpectedItem,
  type ExpectedManifest,
  type ExpectedSerialization,
  parseStatement,
  PAYLOAD_TYPE,
  PREDICATE_TYPE,
} from "./src/format/statement.ts";
export { legacyPae, pae } from "./src/format/dsse.ts";
export {
  type DsseBundle,
  parseBundle,
  readDsseBundle,
  serializeBundle,
} from "./src/format/bundle.ts";
