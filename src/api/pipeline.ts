/**
 * The verification pipeline shared by every method (docs/format.md §5.1): check
 * the signature, read what it promises, hash the local model the way the
 * signer did, and compare.
 *
 * @module
 */

import {
  BundleFormatError,
  ManifestMismatchError,
  ModelPathError,
  PayloadError,
} from "../errors.ts";
import { toHex } from "../util/encoding.ts";
import { existsHere, joinModelPath, modelName } from "../hashing/paths.ts";
import { inSpan } from "../util/telemetry.ts";
import { HashingConfig } from "./hashing_config.ts";
import { itemName, type Manifest, manifestTable } from "../manifest/manifest.ts";
import { isUnder, normalizeModelRelative } from "../manifest/selection.ts";
import type { BundleJson, BundleVerifier, SignerInfo } from "../format/contracts.ts";
import { MAX_BUNDLE_BYTES, parseBundle } from "../format/bundle.ts";
import { readInputFile } from "../util/input_file.ts";
import {
  expectedItems,
  type ExpectedManifest,
  parseStatement,
  selectExpected,
} from "../format/statement.ts";

/** Options of {@linkcode verifyModel}. */
export interface VerifyModelOptions {
  /** Which files count and how they are read; its method and algorithm are replaced by the signature's. */
  readonly hashing?: HashingConfig;
  /** Hash only the files the signature lists (§5.6). */
  readonly ignoreUnsignedFiles?: boolean;
  /**
   * Partial verification: check only the signed files at or under these
   * model-relative paths (files or folders); unsigned files under them
   * count as extra. Each path must match at least one signed file.
   */
  readonly only?: readonly string[];
}

/** What a successful verification established. */
export interface VerificationResult {
  /** What the signature promised (all of it, also under `only`). */
  readonly expected: ExpectedManifest;
  /** Who signed, as the method reports it. */
  readonly signer?: SignerInfo;
  /** `sha256:<hex>` root digest of the signed manifest, in the signature's order (§1.11). */
  readonly rootDigest: string;
  /** Distinct files the signature lists. */
  readonly filesSigned: number;
  /** Distinct signed files that were hashed and compared. */
  readonly filesChecked: number;
}

/**
 * Reads the signature file at `path`.
 *
 * @throws {BundleFormatError}
 */
export function readSignatureFile(path: string): Record<string, unknown> {
  const bytes = readInputFile(path, {
    what: "signature",
    maxBytes: MAX_BUNDLE_BYTES,
    error: (message, cause) => new BundleFormatError("", message, { cause }),
  });
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

/** Names listed per kind in a mismatch message; the error object keeps every name. */
export const MAX_NAMES_SHOWN = 20;
/** Longest name shown in a mismatch message (a name may be thousands of bytes). */
const MAX_NAME_SHOWN = 200;

const more = (total: number) => `… and ${(total - MAX_NAMES_SHOWN).toLocaleString("en-US")} more`;

/** The first names of a list, each shortened, and how many are left out. */
function firstNames(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES_SHOWN).map((n) =>
    n.length > MAX_NAME_SHOWN ? `${n.slice(0, MAX_NAME_SHOWN)}…` : n
  );
  return shown.join(", ") + (names.length > MAX_NAMES_SHOWN ? ` ${more(names.length)}` : "");
}

/**
 * Compares the local manifest with the signed one (§5.7). The message lists
 * at most {@linkcode MAX_NAMES_SHOWN} names per kind with the count of the
 * rest; the error's `extra`, `missing` and `changed` fields hold them all.
 *
 * @throws {ManifestMismatchError} listing extra, missing and changed names.
 */
export function compareManifests(expected: ExpectedManifest, actual: Manifest): void {
  // The common case, a match: both in canonical order (signers write it), compared packed,
  // item by item. Only a mismatch makes maps of names (and then names every difference).
  const want = expectedItems(expected);
  const have = manifestTable(actual);
  let matched = 0;
  while (matched < have.length && want.sameItem(matched, have, matched)) matched++;
  if (matched === have.length && matched === want.length) return;
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
    parts.push(`Extra files found in model '${actual.modelName}': ${firstNames(extra)}`);
  }
  if (missing.length) {
    parts.push(`Missing files in model '${actual.modelName}': ${firstNames(missing)}`);
  }
  for (const k of changed.slice(0, MAX_NAMES_SHOWN)) {
    const e = expected.items.get(k)!;
    const l = local.get(k)!;
    parts.push(
      `Hash mismatch for '${k}': Expected '${e.algorithm}:${e.digest}', Actual '${l.algorithm}:${l.digest}'`,
    );
  }
  if (changed.length > MAX_NAMES_SHOWN) parts.push(`${more(changed.length)} with a hash mismatch`);
  throw new ManifestMismatchError(`Signature mismatch: ${parts.join("; ")}`, {
    extra,
    missing,
    changed,
  });
}

/**
 * Runs `compare`; a mismatch whose missing files are on disk but ignored here
 * (the signer did not ignore them: `.gitattributes` signed with
 * `--no-ignore-git-paths`) says so, since "missing" alone sends the user
 * looking for a file that is there.
 */
function explainIgnored(compare: () => void, modelPath: string, hashing: HashingConfig): void {
  try {
    compare();
  } catch (e) {
    if (!(e instanceof ManifestMismatchError)) throw e;
    const ignored = e.missing.filter((name) =>
      // lstat only: the name passed the path rules, and nothing behind a link is touched.
      hashing.ignores(modelPath, name) && existsHere(joinModelPath(modelPath, name))
    );
    if (ignored.length === 0) throw e;
    throw new ManifestMismatchError(
      `${e.message}; of the missing files, present but ignored by this verification: ${
        firstNames(ignored)
      } (verify with the signer's ignore options, e.g. --no-ignore-git-paths)`,
      e,
    );
  }
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
  return (await verifyModelDetailed(modelPath, signaturePath, verifier, options)).expected;
}

/**
 * The part of `expected` at or under `only`.
 *
 * @throws {ModelPathError} for a path that matches no signed file.
 */
function selectSigned(expected: ExpectedManifest, only: readonly string[]): ExpectedManifest {
  const prefixes = only.map(normalizeModelRelative);
  const table = expectedItems(expected);
  const paths = Array.from({ length: table.length }, (_, i) => table.path(i));
  for (const [i, p] of prefixes.entries()) {
    if (!paths.some((path) => isUnder(path, p))) {
      throw new ModelPathError(only[i], `'${only[i]}' matches no file the signature lists.`);
    }
  }
  return selectExpected(expected, (_, i) => prefixes.some((p) => isUnder(paths[i], p)));
}

const distinctPaths = (m: ExpectedManifest) => {
  const table = expectedItems(m);
  return new Set(Array.from({ length: table.length }, (_, i) => table.path(i)));
};

/** Checks the signature and returns what it promised and who signed. */
async function readVerified(signaturePath: string, verifier: BundleVerifier) {
  let bundle: BundleJson | undefined = readSignatureFile(signaturePath);
  const { payloadType, payload, signer } = await inSpan(
    "verify_signature",
    { "verifying.verifier": verifier.constructor.name },
    () => verifier.verify(bundle!),
  );
  // Released before the statement is parsed: its 22 MB payload text (100,000 files) would
  // otherwise survive the parse's collections and stay until a full one.
  bundle = undefined;
  const expected = parseStatement(payloadType, payload);
  // Signing refuses an empty model (assertNotEmpty); the format requires one
  // file. An empty statement would otherwise match any folder whose files are
  // all ignored or, with --ignore-unsigned-files, any folder at all.
  const items = expectedItems(expected);
  if (items.length === 0) {
    throw new PayloadError(
      "predicate.resources",
      "The signed statement lists no file: an empty model is never signed, so it cannot be verified.",
    );
  }
  return { expected, signer, rootDigest: `sha256:${toHex(items.rootDigest())}` };
}

/**
 * {@linkcode verifyModel} with the details of what was checked: the signer,
 * the root digest and how many signed files were compared (all of them
 * unless `only` is given).
 *
 * @throws {ModelSigningError} subclasses for every failure.
 */
export async function verifyModelDetailed(
  modelPath: string,
  signaturePath: string,
  verifier: BundleVerifier,
  options: VerifyModelOptions = {},
): Promise<VerificationResult> {
  return await inSpan("verify", { "model.name": modelName(modelPath) }, async (span) => {
    const verified = await readVerified(signaturePath, verifier);
    const { expected } = verified;
    const checked = options.only ? selectSigned(expected, options.only) : expected;
    const hashing = verificationHashing(expected, options.hashing ?? new HashingConfig());
    let filesToHash: Set<string> | undefined;
    if (options.ignoreUnsignedFiles || options.only) filesToHash = distinctPaths(checked);
    if (options.only && !options.ignoreUnsignedFiles) {
      const prefixes = options.only.map(normalizeModelRelative);
      for (const f of hashing.listFiles(modelPath)) {
        if (prefixes.some((p) => isUnder(f.name, p))) filesToHash!.add(f.name);
      }
    }
    const actual = await hashing.hash(modelPath, { filesToHash });
    span.set({ "model.root_digest": verified.rootDigest });
    await inSpan(
      "compare",
      { "verifying.items": expectedItems(checked).length },
      () => explainIgnored(() => compareManifests(checked, actual), modelPath, hashing),
    );
    return {
      ...verified,
      filesSigned: expectedItems(expected).distinctPaths(),
      filesChecked: expectedItems(checked).distinctPaths(),
    };
  });
}

/**
 * Verifies a manifest built without the model's files (e.g. from an OCI
 * image manifest) against the signature: the same checks as
 * {@linkcode verifyModelDetailed}, with `actual` in place of hashing.
 *
 * @throws {ModelSigningError} subclasses for every failure.
 */
export async function verifyManifestDetailed(
  actual: Manifest,
  signaturePath: string,
  verifier: BundleVerifier,
): Promise<VerificationResult> {
  const verified = await readVerified(signaturePath, verifier);
  compareManifests(verified.expected, actual);
  const files = expectedItems(verified.expected).distinctPaths();
  return { ...verified, filesSigned: files, filesChecked: files };
}
