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
 * @module
 */

export * from "./src/errors.ts";
export { DIGEST_SIZE, HASH_ALGORITHMS, type HashAlgorithm } from "./src/hashing/algorithms.ts";
export type { EngineOptions, HashEngine, HashJob } from "./src/hashing/engine.ts";
export type { RangeTask } from "./src/hashing/file_range.ts";
export { compareCanonicalPaths, GIT_IGNORE_ENTRIES } from "./src/hashing/ignore.ts";
export {
  DEFAULT_SHARD_SIZE,
  type FileSerializationOptions,
  hash,
  HashingConfig,
  type HashingMethod,
  type HashOptions,
  type HashProgress,
  type ShardSerializationOptions,
} from "./src/manifest/hashing_config.ts";
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
  VerifiedPayload,
} from "./src/signing/types.ts";
