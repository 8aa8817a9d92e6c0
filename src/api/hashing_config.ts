/**
 * The hashing configuration (Python `model_signing.hashing.Config`, §8):
 * which files make up the model and how they become a {@linkcode Manifest}.
 *
 * @module
 */

import { ConfigError, ModelPathError } from "../errors.ts";
import { type HashAlgorithm, parseHashAlgorithm } from "../hashing/algorithms.ts";
import { createEngine } from "../hashing/engine.ts";
import type { HashEngine, HashJob } from "../hashing/engine_types.ts";
import { DEFAULT_CHUNK_SIZE } from "../hashing/file_range.ts";
import { GIT_IGNORE_ENTRIES, IgnoreSet, modelRelativeIgnorePaths } from "../hashing/ignore.ts";
import { modelName } from "../hashing/paths.ts";
import {
  assertDirectoriesInPlace,
  assertUnchanged,
  type ModelFile,
  realPathOrUndefined,
  statNamedFiles,
  walkModel,
  walkModelEntries,
} from "../hashing/walk.ts";
import { ItemTable } from "../manifest/item_table.ts";
import { ByteList } from "../util/byte_list.ts";
import {
  Manifest,
  type ManifestItem,
  manifestTable,
  resourceAlgorithm,
  type Serialization,
} from "../manifest/manifest.ts";
import { compareCanonicalPaths } from "../manifest/order.ts";
import { inSpan, type SpanScope } from "../util/telemetry.ts";

/** Default shard size of the `shards` method: 10^9 bytes (not 2^30), as in Python. */
export const DEFAULT_SHARD_SIZE = 1_000_000_000;

/** Options of {@linkcode HashingConfig.useFileSerialization}. */
export interface FileSerializationOptions {
  /** `sha256` (default), `blake2b` (alias `blake2`) or `blake3`. */
  hashingAlgorithm?: HashAlgorithm | "blake2";
  /** Read size in bytes; never changes a digest. Default 1 MiB. */
  chunkSize?: number;
  /** Parallel workers; `undefined` lets the engine choose. */
  maxWorkers?: number;
  /** Extra model-relative paths recorded as ignored (they are not excluded by this option). */
  ignorePaths?: readonly string[];
}

/** Options of {@linkcode HashingConfig.useShardSerialization}. */
export interface ShardSerializationOptions extends FileSerializationOptions {
  /** Shard size in bytes, > 0. Default 10^9. */
  shardSize?: number;
}

/**
 * `paths` as an array: one string is one path (a string is iterable too, and
 * its characters, `.` among them, would otherwise be taken as paths).
 */
function pathList(paths: Iterable<string>): string[] {
  return typeof paths === "string" ? [paths] : [...paths];
}

/** Progress of a hashing run. */
export interface HashProgress {
  /** Bytes hashed so far. */
  readonly bytesDone: number;
  /**
   * Bytes to hash in all. With the `files` method files are sized as they are
   * opened, during hashing: until the run ends this is the bytes known so far
   * (at least one more than `bytesDone`), so it grows as the walk goes on.
   */
  readonly bytesTotal: number;
}

/** Options of {@linkcode HashingConfig.hash}. */
export interface HashOptions {
  /**
   * Hash only these model-relative files instead of walking the model (each is
   * still checked against the ignore and symlink rules).
   */
  filesToHash?: Iterable<string>;
  /** Receives progress after each hashed range (overrides {@linkcode HashingConfig.setProgressHandler}). */
  onProgress?: (progress: HashProgress) => void;
}

/** The hashing method and its parameters. */
export type HashingMethod =
  | { kind: "files"; algorithm: HashAlgorithm }
  | { kind: "shards"; algorithm: HashAlgorithm; shardSize: number };

const COUNT_NAMES = { "shard-size": "shard size", workers: "worker count" } as const;

/**
 * The one check of the count options: a positive safe integer, given as a
 * number (library) or as decimal digits (command line).
 *
 * @throws {ConfigError} naming the option.
 */
export function parseCount(option: keyof typeof COUNT_NAMES, value: number | string): number {
  const n = typeof value === "number" ? value : /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ConfigError(
      option,
      `Invalid ${COUNT_NAMES[option]} '${value}': it must be a positive integer.`,
    );
  }
  return n;
}

/**
 * Which files form the model and how they are hashed. Every setter returns
 * the object itself so calls chain. Defaults: files method, SHA-256, git
 * entries ignored, symlinks refused.
 */
export class HashingConfig {
  #method: HashingMethod = { kind: "files", algorithm: "sha256" };
  #chunkSize = DEFAULT_CHUNK_SIZE;
  #maxWorkers: number | undefined;
  #extraRecorded: string[] = [];
  #ignored: string[] = [];
  #ignoreGit = true;
  #allowSymlinks = false;
  #engine: HashEngine | undefined;
  #onWarning: ((message: string) => void) | undefined;
  #onProgress: ((progress: HashProgress) => void) | undefined;

  /** Use the `files` method: one item per file (§1.8). */
  useFileSerialization(options: FileSerializationOptions = {}): this {
    this.#method = {
      kind: "files",
      algorithm: parseHashAlgorithm(options.hashingAlgorithm ?? "sha256"),
    };
    this.#setCommon(options);
    return this;
  }

  /**
   * Use the `shards` method: one item per `shardSize` bytes of each file
   * (§1.9). With BLAKE3 this falls back to the `files` method, as in Python.
   */
  useShardSerialization(options: ShardSerializationOptions = {}): this {
    const algorithm = parseHashAlgorithm(options.hashingAlgorithm ?? "sha256");
    const shardSize = parseCount("shard-size", options.shardSize ?? DEFAULT_SHARD_SIZE);
    this.#method = algorithm === "blake3"
      ? { kind: "files", algorithm }
      : { kind: "shards", algorithm, shardSize };
    this.#setCommon(options);
    return this;
  }

  #setCommon(options: FileSerializationOptions): void {
    const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isSafeInteger(chunk) || chunk < 0) {
      throw new ConfigError(
        "chunk-size",
        `Invalid chunk size ${chunk}: it must be a non-negative integer.`,
      );
    }
    // 0 means "whole file at once" in Python; digests are the same, so keep a bounded buffer.
    this.#chunkSize = chunk || DEFAULT_CHUNK_SIZE;
    this.#maxWorkers = options.maxWorkers === undefined
      ? undefined
      : parseCount("workers", options.maxWorkers);
    this.#extraRecorded = [...(options.ignorePaths ?? [])];
  }

  /**
   * Replaces the ignored paths. Paths are relative to the model (an absolute
   * path counts when it lies inside the absolute model path).
   */
  setIgnoredPaths(options: { paths: Iterable<string>; ignoreGitPaths?: boolean }): this {
    this.#ignored = pathList(options.paths);
    this.#ignoreGit = options.ignoreGitPaths ?? true;
    return this;
  }

  /** Adds model-relative ignored paths (e.g. those recorded in a signature). Not fluent. */
  addIgnoredPaths(paths: Iterable<string>): void {
    this.#ignored.push(...pathList(paths));
  }

  /** Allow symlinks to files (hashed through the target, named by the link). Authoritative. */
  setAllowSymlinks(allow: boolean): this {
    this.#allowSymlinks = allow;
    return this;
  }

  /** Use a specific hash engine (e.g. a worker pool); digests never depend on it. */
  setEngine(engine: HashEngine): this {
    this.#engine = engine;
    return this;
  }

  /** Receive non-fatal notices, such as a symlink pointing outside the model. */
  setWarningHandler(handler: (message: string) => void): this {
    this.#onWarning = handler;
    return this;
  }

  /**
   * Receive progress of every hashing run of this configuration (also when signing or
   * verifying): once with `bytesDone` 0 as a run starts, then as bytes are hashed.
   */
  setProgressHandler(handler: ((progress: HashProgress) => void) | undefined): this {
    this.#onProgress = handler;
    return this;
  }

  /** An independent copy: later changes to either do not affect the other. */
  clone(): HashingConfig {
    const c = new HashingConfig();
    c.#method = this.#method;
    c.#chunkSize = this.#chunkSize;
    c.#maxWorkers = this.#maxWorkers;
    c.#extraRecorded = [...this.#extraRecorded];
    c.#ignored = [...this.#ignored];
    c.#ignoreGit = this.#ignoreGit;
    c.#allowSymlinks = this.#allowSymlinks;
    c.#engine = this.#engine;
    c.#onWarning = this.#onWarning;
    c.#onProgress = this.#onProgress;
    return c;
  }

  /** The worker count requested with `maxWorkers`, if any. */
  get maxWorkers(): number | undefined {
    return this.#maxWorkers;
  }

  /** The serialization this configuration records, before ignore paths are known. */
  get method(): Readonly<HashingMethod> {
    return this.#method;
  }

  #ignoreSet(modelPath: string): IgnoreSet {
    const entries = modelRelativeIgnorePaths(modelPath, this.#ignored);
    if (this.#ignoreGit) entries.push(...GIT_IGNORE_ENTRIES);
    return new IgnoreSet(entries);
  }

  /** Whether the model-relative `name` is left out under this configuration's ignore rules. */
  ignores(modelPath: string, name: string): boolean {
    return this.#ignoreSet(modelPath).matches(name);
  }

  /**
   * The files of the model at `modelPath` under this configuration's ignore
   * and symlink rules, with their sizes and modification times, unhashed.
   *
   * @throws {ModelPathError} for unusable paths (§1.3).
   */
  listFiles(modelPath: string): ModelFile[] {
    const ignore = this.#ignoreSet(modelPath);
    return walkModel(modelPath, {
      ignore,
      allowSymlinks: this.#allowSymlinks,
      onWarning: this.#onWarning,
    });
  }

  /**
   * Hashes the model at `modelPath` into a manifest.
   *
   * @throws {ModelPathError} for unusable paths (§1.3) and unreadable files.
   */
  hash(modelPath: string, options: HashOptions = {}): Promise<Manifest> {
    const attributes = {
      "model.name": modelName(modelPath),
      "hashing.method": this.#method.kind,
      "hashing.algorithm": this.#method.algorithm,
      "hashing.workers": this.#maxWorkers ?? "default",
    };
    return inSpan("hash", attributes, async (span) => {
      const manifest = await this.#hash(modelPath, options, span);
      span.set({ "model.root_digest": manifest.rootDigestString() });
      return manifest;
    });
  }

  async #hash(modelPath: string, options: HashOptions, span: SpanScope): Promise<Manifest> {
    const ignore = this.#ignoreSet(modelPath);
    const walk = { ignore, allowSymlinks: this.#allowSymlinks, onWarning: this.#onWarning };
    const serialization = this.#serialization(ignore);
    const algorithm = resourceAlgorithm(serialization);
    const onProgress = options.onProgress ?? this.#onProgress;
    const engine = this.#engine ?? createEngine({ workers: this.#maxWorkers });
    const engineOptions = { chunkSize: this.#chunkSize };
    const name = modelName(modelPath);
    if (this.#method.kind === "files" && !options.filesToHash && engine.hashFiles) {
      // The walk is pulled as the engine needs files, and each file is opened once.
      // Names are kept packed (walk order), path strings only as long as the engine needs them.
      const rootAtStart = realPathOrUndefined(modelPath);
      const names = new ByteList(1024, 32 * 1024);
      const files = (function* () {
        for (const { name, path, link } of walkModelEntries(modelPath, walk)) {
          names.pushString(name);
          yield { path, link };
        }
      })();
      let bytesDone = 0;
      let bytesKnown = 0;
      // Sizes become known as files are opened: until the end, the total is what is known.
      const report = () =>
        onProgress?.({ bytesDone, bytesTotal: Math.max(bytesKnown, bytesDone + 1) });
      report(); // hashing starts: the progress clock too
      const hashFiles = engine.hashFiles.bind(engine);
      // The walk is pulled by the engine, so in this path the span covers walk and hashing.
      const found = await inSpan("walk", { "model.name": name }, async (walkSpan) => {
        const digests = await hashFiles(files, this.#method.algorithm, {
          ...engineOptions,
          onSize: (n) => void (bytesKnown += n),
          onBytes: (n) => (bytesDone += n, onProgress && report()),
        });
        walkSpan.set({ "hashing.files": names.length });
        return digests;
      });
      span.set({ "hashing.files": names.length, "hashing.bytes": bytesDone });
      onProgress?.({ bytesDone, bytesTotal: bytesDone });
      assertDirectoriesInPlace(modelPath, names, rootAtStart);
      return new Manifest(name, ItemTable.ofFiles(names, algorithm, found), serialization);
    }
    const files = await inSpan("walk", { "model.name": name }, (walkSpan) => {
      const found = options.filesToHash
        ? statNamedFiles(modelPath, pathList(options.filesToHash), walk)
        : walkModel(modelPath, walk);
      walkSpan.set({ "hashing.files": found.length });
      return found;
    });
    const jobs = this.#jobs(files);
    const bytesTotal = jobs.reduce((n, j) => n + (j.end - j.start), 0);
    span.set({ "hashing.files": files.length, "hashing.bytes": bytesTotal });
    let bytesDone = 0;
    onProgress?.({ bytesDone, bytesTotal }); // hashing starts: the progress clock too
    const digests = await engine.hashAll(jobs, this.#method.algorithm, {
      ...engineOptions,
      onBytes: onProgress && ((n) => onProgress({ bytesDone: bytesDone += n, bytesTotal })),
    });
    assertUnchanged(modelPath, files);
    const items: ManifestItem[] = jobs.map((job, i) => ({
      path: job.name,
      range: this.#method.kind === "shards" ? { start: job.start, end: job.end } : undefined,
      algorithm,
      digest: digests[i],
    }));
    return new Manifest(name, items, serialization);
  }

  #jobs(files: ModelFile[]): (HashJob & { name: string })[] {
    const method = this.#method;
    if (method.kind === "files") {
      return files.map((f) => ({
        name: f.name,
        path: f.path,
        start: 0,
        end: f.size,
        fileSize: f.size,
      }));
    }
    const jobs: (HashJob & { name: string })[] = [];
    for (const f of files) {
      if (f.name.includes(":")) {
        throw new ModelPathError(
          f.path,
          `Cannot use '${f.path}' with the shards method: its name contains ':', which shard names use as a separator.`,
        );
      }
      for (let start = 0; start < f.size; start += method.shardSize) {
        const end = Math.min(start + method.shardSize, f.size);
        jobs.push({ name: f.name, path: f.path, start, end, fileSize: f.size });
      }
    }
    return jobs;
  }

  #serialization(ignore: IgnoreSet): Serialization {
    const ignorePaths = new IgnoreSet([...ignore.entries, ...this.#extraRecorded]).entries
      .sort(compareCanonicalPaths);
    const m = this.#method;
    if (m.kind === "files") {
      return {
        method: "files",
        hashType: m.algorithm,
        allowSymlinks: this.#allowSymlinks,
        ignorePaths,
      };
    }
    return {
      method: "shards",
      hashType: m.algorithm as "sha256" | "blake2b",
      shardSize: m.shardSize,
      allowSymlinks: this.#allowSymlinks,
      ignorePaths,
    };
  }
}

/** Hashes a model with the default configuration (files, SHA-256, git entries ignored). */
export function hash(modelPath: string): Promise<Manifest> {
  return new HashingConfig().hash(modelPath);
}

/**
 * Refuses an empty manifest: signing or digesting a model with no content
 * proves nothing (the OMS specification requires at least one resource).
 *
 * @throws {ModelPathError}
 */
export function assertNotEmpty(manifest: Manifest, modelPath: string): void {
  if (manifestTable(manifest).length === 0) {
    throw new ModelPathError(
      modelPath,
      `Model '${modelPath}' has no content to hash: it is empty, or every file is ignored.`,
    );
  }
}
