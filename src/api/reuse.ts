/**
 * Incremental re-signing: hash a model again while keeping the digests of an
 * old signature for the files that did not change. The old signature is
 * verified first, with a verifier the signing method provides through
 * {@linkcode PayloadSigner.ownVerifier} (or one the caller names), so any
 * method gets reuse without code of its own. A reused digest is only as true
 * as the old signature; verifiers always hash everything (docs/security.md).
 *
 * A file is hashed again when it is not in the old manifest, named by a
 * `rehash` path, changed at or after the old signature file was written (by
 * its modification or status-change time: a copy that keeps an old
 * modification time on new content is still seen, see `changedAt`),
 * or (shards) its size is not the end of its last signed shard; every other
 * file keeps its old digests. Files no longer present are dropped.
 *
 * @module
 */

import { statSync } from "node:fs";
import { ConfigError, ModelSigningError, SignatureError } from "../errors.ts";
import { fromHex } from "../util/encoding.ts";
import type { ModelFile } from "../hashing/walk.ts";
import { Manifest, type ManifestItem, resourceAlgorithm } from "../manifest/manifest.ts";
import type { BundleVerifier, PayloadSigner } from "../format/contracts.ts";
import { type ExpectedManifest, parseStatement } from "../format/statement.ts";
import { isUnder, normalizeModelRelative } from "../manifest/selection.ts";
import type { HashingConfig } from "./hashing_config.ts";
import { readSignatureFile, verificationHashing } from "./pipeline.ts";

/** Options of incremental re-signing. */
export interface ReuseOptions {
  /** The old signature file whose digests may be reused. */
  readonly signature: string;
  /**
   * Checks the old signature. Default: the signer's own verifier; required
   * for methods that have none (Sigstore: a verifier for the expected identity).
   */
  readonly verifier?: BundleVerifier;
  /** Model-relative files or folders to hash again whatever their state; each must name one. */
  readonly rehash?: readonly string[];
  /**
   * Hash with the old signature's method, algorithm and shard size (default
   * `true`). When `false`, the hashing configuration's own serialization is
   * used and, if it differs from the old one, every file is hashed.
   */
  readonly adoptSerialization?: boolean;
}

/** What a re-signing reused and hashed. */
export interface ReuseReport {
  /** Files whose old digests were kept. */
  readonly filesReused: number;
  /** Their total size in bytes. */
  readonly bytesReused: number;
  /** Files hashed. */
  readonly filesHashed: number;
  /** Their total size in bytes. */
  readonly bytesHashed: number;
}

/** The verifier for the old signature: the caller's, else the signer's own. */
export function reuseVerifier(options: ReuseOptions, signer: PayloadSigner): BundleVerifier {
  const verifier = options.verifier ?? signer.ownVerifier?.();
  if (!verifier) {
    throw new ConfigError(
      "reuse-signature",
      "This signing method cannot check its own old signatures: name a verifier for the old signature (for Sigstore, the identity and its provider).",
    );
  }
  return verifier;
}

/** Verifies the old signature and returns what it promised. */
async function readOldManifest(
  options: ReuseOptions,
  verifier: BundleVerifier,
): Promise<ExpectedManifest> {
  try {
    const { payloadType, payload } = await verifier.verify(readSignatureFile(options.signature));
    return parseStatement(payloadType, payload);
  } catch (e) {
    if (!(e instanceof ModelSigningError)) throw e;
    throw new SignatureError(
      `Refusing to reuse '${options.signature}': it does not verify: ${e.message}`,
      { cause: e },
    );
  }
}

/** Old items grouped by file path, with their manifest items. */
function oldItemsByPath(old: ExpectedManifest): Map<string, ManifestItem[]> {
  const byPath = new Map<string, ManifestItem[]>();
  for (const [key, item] of old.items) {
    const digest = fromHex(item.digest);
    if (!digest) continue;
    let range: ManifestItem["range"];
    if (old.serialization.method === "shards") {
      const [start, end] = key.slice(item.path.length + 1).split(":").map(Number);
      range = { start, end };
    }
    const list = byPath.get(item.path) ?? [];
    list.push({ path: item.path, range, algorithm: item.algorithm, digest });
    byPath.set(item.path, list);
  }
  return byPath;
}

/** True when `items` are exactly the shards of a `size`-byte file (contiguous, full size). */
function coversFile(items: ManifestItem[], size: number, shardSize: number): boolean {
  const sorted = [...items].sort((a, b) => a.range!.start - b.range!.start);
  let end = 0;
  for (const i of sorted) {
    if (i.range!.start !== end || i.range!.end - end !== Math.min(shardSize, size - end)) {
      return false;
    }
    end = i.range!.end;
  }
  return end === size && (size > 0 || sorted.length === 0);
}

/**
 * Hashes the model at `modelPath` reusing the old signature's digests where
 * the rules allow; the old signature is verified before anything is hashed.
 *
 * @throws {SignatureError} when the old signature does not verify.
 * @throws {ModelPathError} for unusable model paths.
 */
export async function hashReusing(
  modelPath: string,
  hashing: HashingConfig,
  verifier: BundleVerifier,
  options: ReuseOptions,
): Promise<{ manifest: Manifest; report: ReuseReport }> {
  const old = await readOldManifest(options, verifier);
  const signedAt = statSync(options.signature).mtimeMs;
  const config = options.adoptSerialization === false ? hashing : verificationHashing(old, hashing);
  const method = config.method;
  const sameSerialization = method.kind === old.serialization.method &&
    method.algorithm === old.serialization.hashType &&
    (method.kind === "files" ||
      (old.serialization.method === "shards" && method.shardSize === old.serialization.shardSize));
  const algorithm = resourceAlgorithm({
    method: method.kind,
    hashType: method.algorithm,
    shardSize: method.kind === "shards" ? method.shardSize : undefined,
  });
  const byPath = sameSerialization ? oldItemsByPath(old) : new Map<string, ManifestItem[]>();
  const rehash = (options.rehash ?? []).map(normalizeModelRelative);

  const reused: ManifestItem[] = [];
  const toHash: ModelFile[] = [];
  let bytesReused = 0;
  let filesReused = 0;
  const files = config.listFiles(modelPath);
  for (const [i, p] of rehash.entries()) {
    // A --rehash path that names nothing is most likely a typo: say so rather than rehash nothing.
    if (!files.some((f) => isUnder(f.name, p))) {
      throw new ConfigError(
        "rehash",
        `--rehash '${options.rehash![i]}' matches no file of the model.`,
      );
    }
  }
  for (const file of files) {
    const items = byPath.get(file.name);
    const keep = items !== undefined &&
      items.every((i) => i.algorithm === algorithm) &&
      !rehash.some((p) => isUnder(file.name, p)) &&
      file.changedMs < signedAt &&
      (method.kind === "files" || coversFile(items, file.size, method.shardSize));
    if (keep) {
      reused.push(...items);
      bytesReused += file.size;
      filesReused++;
    } else {
      toHash.push(file);
    }
  }
  const hashed = await config.hash(modelPath, { filesToHash: toHash.map((f) => f.name) });
  const manifest = new Manifest(
    hashed.modelName,
    [...reused, ...hashed.items],
    hashed.serialization,
  );
  return {
    manifest,
    report: {
      filesReused,
      bytesReused,
      filesHashed: toHash.length,
      bytesHashed: toHash.reduce((n, f) => n + f.size, 0),
    },
  };
}
