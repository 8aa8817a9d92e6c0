/**
 * Options shared by `digest`, `sign` and `verify` that decide which files
 * form the model and how they are hashed, and their translation into a
 * library {@linkcode HashingConfig}.
 *
 * @module
 */

import { ConfigError } from "../errors.ts";
import type { HashAlgorithm } from "../hashing/algorithms.ts";
import { HashingConfig, parseCount } from "../api/hashing_config.ts";
import { type OptionSpecs, type OptionValues, UsageError } from "./args.ts";
import { cliIgnorePaths } from "./ignore_paths.ts";

/** Which files are part of the model. */
export const MODEL_SELECTION_OPTIONS: OptionSpecs = {
  "ignore-paths": {
    type: "string",
    multiple: true,
    metavar: "PATH",
    help: "File or directory to leave out, relative to the current directory",
  },
  "ignore-git-paths": {
    type: "boolean",
    negatable: true,
    help: "Leave out .git, .gitattributes, .github and .gitignore (default: on)",
  },
  "allow-symlinks": {
    type: "boolean",
    help: "Accept symlinks to files (hashed through the target, named by the link)",
  },
};

/** How files are hashed (an extension over the Python CLI, which always uses files + SHA-256). */
export const SERIALIZATION_OPTIONS: OptionSpecs = {
  "hash-algorithm": {
    type: "string",
    metavar: "NAME",
    help: "sha256 (default), blake2b or blake3",
  },
  "shard-size": {
    type: "string",
    metavar: "BYTES",
    help:
      "Hash files in shards of this many bytes; parallelises one large file (not with blake3, which hashes whole files and splits them itself, as the Python tool does)",
  },
};

/** Speed and display. */
export const RUN_OPTIONS: OptionSpecs = {
  workers: {
    type: "string",
    metavar: "N",
    help: "Parallel hashing workers (default: one per core)",
  },
  quiet: { type: "boolean", help: "No progress line on stderr (shown only on a terminal)" },
};

/**
 * Builds the hashing configuration for a model from command-line values.
 * Ignore paths (and `extraIgnored`, e.g. the signature file) are resolved as
 * the Python CLI does (§1.4): against the current directory, then kept
 * relative to the model when inside it.
 *
 * @throws {UsageError} for an invalid algorithm, shard size or worker count.
 */
export function hashingConfigFromCli(
  values: OptionValues,
  modelPath: string,
  usage: string,
  extraIgnored: readonly string[] = [],
): HashingConfig {
  const ignorePaths = [
    ...((values["ignore-paths"] as string[] | undefined) ?? []),
    ...extraIgnored,
  ];
  const config = new HashingConfig()
    .setIgnoredPaths({
      paths: cliIgnorePaths(modelPath, ignorePaths),
      ignoreGitPaths: values["ignore-git-paths"] !== false,
    })
    .setAllowSymlinks(values["allow-symlinks"] === true);
  const workers = values.workers as string | undefined;
  const shardSize = values["shard-size"] as string | undefined;
  try {
    // HashingConfig parses and checks the values; the CLI only turns text into numbers.
    const options = {
      hashingAlgorithm: values["hash-algorithm"] as HashAlgorithm | undefined,
      maxWorkers: workers === undefined ? undefined : parseCount("workers", workers),
    };
    return shardSize === undefined
      ? config.useFileSerialization(options)
      : config.useShardSerialization({
        ...options,
        shardSize: parseCount("shard-size", shardSize),
      });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message, usage);
    throw e;
  }
}

/**
 * Refuses `--oci-index-manifest` without the `--oci-manifest` index it picks from.
 *
 * @throws {UsageError}
 */
export function requireOciFor(
  values: OptionValues,
  ociManifest: string | undefined,
  usage: string,
): void {
  if (values["oci-index-manifest"] !== undefined && ociManifest === undefined) {
    throw new UsageError("--oci-index-manifest applies only with --oci-manifest.", usage);
  }
}

/**
 * Requires exactly one input: MODEL_PATH or `--oci-manifest`.
 *
 * @throws {UsageError}
 */
export function requireOneInput(
  modelPath: string | undefined,
  ociManifest: string | undefined,
  usage: string,
): void {
  if ((ociManifest === undefined) !== (modelPath === undefined)) return;
  throw new UsageError(
    ociManifest === undefined
      ? "Missing argument 'MODEL_PATH'."
      : "Give MODEL_PATH or --oci-manifest, not both.",
    usage,
  );
}
