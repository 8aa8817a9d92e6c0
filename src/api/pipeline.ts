/**
 * The verification pipeline shared by every method (docs/format.md §5.1): check
 * the signature, read what it promises, hash the local model the way the
 * signer did, and compare.
 *
 * @module
 */

import { readFileSync, statSync } from "node:fs";
import { BundleFormatError, ManifestMismatchError } from "../errors.ts";
import { toHex } from "../hashing/hex.ts";
import { HashingConfig } from "./hashing_config.ts";
import { itemName, type Manifest } from "../manifest/manifest.ts";
import type { BundleVerifier } from "../format/contracts.ts";
import { checkBundleSize, parseBundle } from "../format/bundle.ts";
import { type ExpectedManifest, parseStatement } from "../format/statement.ts";

/** Options of {@linkcode verifyModel}. */
export interface VerifyModelOptions {
  /** Which files count and how they are read; its method and algorithm are replaced by the signature's. */
  readonly hashing?: HashingConfig;
  /** Hash only the files the signature lists (§5.6). */
  readonly ignoreUnsignedFiles?: boolean;
}

/**
 * Reads the signature file at `path`.
 *
 * @throws {BundleFormatError}
 */
export function readSignatureFile(path: string): Record<string, unknown> {
  let bytes: Uint8Array;
  try {
    // Refuse an oversized file before reading it into memory.
    checkBundleSize(statSync(path).size, path);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof BundleFormatError) throw e;
    const reason = (e as { code?: string }).code === "ENOENT"
      ? "no such file"
      : (e as Error).message;
    throw new BundleFormatError("", `Cannot read signature '${path}': ${reason}`, { cause: e });
  }
  return parseBundle(bytes, path);
}

/**
 * The hashing configuration for verification (§5.5): which files count and
 * the symlink policy come from the caller, plus the paths the signer
 * recorded as ignored (§5.6); method, algorithm and shard size come from the
 * signature. The recorded `allow_symlinks` is never used: it could only
 * allow what the user did not.
 */
export function verificationHashing(
  expected: ExpectedManifest,
  base: HashingConfig,
): HashingConfig {
  const config = base.clone();
  const s = expected.serialization;
  if (s.method === "files") {
    config.useFileSerialization({ hashingAlgorithm: s.hashType, maxWorkers: base.maxWorkers });
  } else {
    config.useShardSerialization({
      hashingAlgorithm: s.hashType,
      shardSize: s.shardSize,
      maxWorkers: base.maxWorkers,
    });
  }
  // Entries are model-relative; an absolute one names something outside the model.
  config.addIgnoredPaths(expected.ignorePaths.filter((p) => !p.startsWith("/")));
  return config;
}

const byCodePoint = (a: string, b: string) => {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
};

/**
 * Compares the local manifest with the signed one (§5.7).
 *
 * @throws {ManifestMismatchError} listing extra, missing and changed names.
 */
export function compareManifests(expected: ExpectedManifest, actual: Manifest): void {
  // The common case, a match, in one pass without a second map of 100,000 entries.
  let matched = 0;
  for (const item of actual.items) {
    const e = expected.items.get(itemName(item));
    if (!e || e.algorithm !== item.algorithm || e.digest !== toHex(item.digest)) break;
    matched++;
  }
  if (matched === actual.items.length && matched === expected.items.size) return;
  const local = new Map(
    actual.items.map((i) => [itemName(i), { algorithm: i.algorithm, digest: toHex(i.digest) }]),
  );
  const extra = [...local.keys()].filter((k) => !expected.items.has(k)).sort(byCodePoint);
  const missing = [...expected.items.keys()].filter((k) => !local.has(k)).sort(byCodePoint);
  const changed = [...expected.items.keys()].filter((k) => {
    const l = local.get(k);
    const e = expected.items.get(k)!;
    return l !== undefined && (l.algorithm !== e.algorithm || l.digest !== e.digest);
  }).sort(byCodePoint);
  if (extra.length + missing.length + changed.length === 0) return;
  const parts: string[] = [];
  if (extra.length) {
    parts.push(`Extra files found in model '${actual.modelName}': ${extra.join(", ")}`);
  }
  if (missing.length) {
    parts.push(`Missing files in model '${actual.modelName}': ${missing.join(", ")}`);
  }
  for (const k of changed) {
    const e = expected.items.get(k)!;
    const l = local.get(k)!;
    parts.push(
      `Hash mismatch for '${k}': Expected '${e.algorithm}:${e.digest}', Actual '${l.algorithm}:${l.digest}'`,
    );
  }
  throw new ManifestMismatchError(`Signature mismatch: ${parts.join("; ")}`, {
    extra,
    missing,
    changed,
  });
}

/**
 * Reads and verifies the signature and parses its statement. A function of its
 * own so that the bundle and payload (~40 MB for 100,000 files) can be freed
 * before the model is hashed.
 */
async function verifiedStatement(
  signaturePath: string,
  verifier: BundleVerifier,
): Promise<ExpectedManifest> {
  const bundle = readSignatureFile(signaturePath);
  const { payloadType, payload } = await verifier.verify(bundle);
  return parseStatement(payloadType, payload);
}

/**
 * Verifies the model at `modelPath` against the signature at `signaturePath`
 * with `verifier`. Nothing from the bundle is trusted before the verifier
 * accepted it; resource names that could leave the model are refused before
 * any file is opened.
 *
 * @returns the signed manifest, once the model matches it.
 * @throws {ModelSigningError} subclasses for every failure.
 */
export async function verifyModel(
  modelPath: string,
  signaturePath: string,
  verifier: BundleVerifier,
  options: VerifyModelOptions = {},
): Promise<ExpectedManifest> {
  const expected = await verifiedStatement(signaturePath, verifier);
  const hashing = verificationHashing(expected, options.hashing ?? new HashingConfig());
  const filesToHash = options.ignoreUnsignedFiles
    ? new Set([...expected.items.values()].map((i) => i.path))
    : undefined;
  const actual = await hashing.hash(modelPath, { filesToHash });
  compareManifests(expected, actual);
  return expected;
}
