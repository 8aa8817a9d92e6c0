/**
 * Lower-level primitives of model-signing, for tools that build on the
 * format (the conformance adapter, the benchmarks, custom signers): hash
 * engines, the canonical order, the in-toto statement, DSSE PAE, the bundle
 * codec, and the single signers and verifiers the configurations of
 * `mod.ts` use. **Less stable than `mod.ts`**: names and signatures here may
 * change in a minor release.
 *
 * ```ts
 * import { HashingConfig } from "./mod.ts";
 * import { buildStatement, SerialEngine } from "./advanced.ts";
 *
 * const model = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${model}/weights.bin`, "model bytes");
 * const manifest = await new HashingConfig().setEngine(new SerialEngine()).hash(model);
 * const statement = new TextDecoder().decode(buildStatement(manifest));
 * console.log(JSON.parse(statement).subject[0].digest.sha256);
 * await Deno.remove(model, { recursive: true });
 * ```
 *
 * @module
 */

export { DIGEST_SIZE } from "./src/hashing/algorithms.ts";
export type { EngineOptions, HashEngine, HashJob } from "./src/hashing/engine_types.ts";
export type { FileIdentity, FileRef, RangeTask } from "./src/hashing/file_range.ts";
export type { ModelFile } from "./src/hashing/walk.ts";
export { createEngine, type CreateEngineOptions, SerialEngine } from "./src/hashing/engine.ts";
export { type PoolOptions, WorkerPoolEngine } from "./src/hashing/pool.ts";
export { GIT_IGNORE_ENTRIES } from "./src/hashing/ignore.ts";
export { compareCanonicalPaths } from "./src/manifest/order.ts";
export { itemName, rootDigest } from "./src/manifest/manifest.ts";
export {
  buildStatement,
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
export { publicKeyHint } from "./src/crypto/ec_keys.ts";
export { EllipticKeySigner } from "./src/methods/key/signer.ts";
export { EllipticKeyVerifier } from "./src/methods/key/verifier.ts";
export { CertificateSigner } from "./src/methods/certificate/signer.ts";
export { CertificateVerifier } from "./src/methods/certificate/verifier.ts";
export { TimestampVerifier } from "./src/crypto/timestamp_verifier.ts";
export { requestTimestamp } from "./src/crypto/tsa_client.ts";
export { compareManifests, verifyModel, type VerifyModelOptions } from "./src/api/pipeline.ts";
