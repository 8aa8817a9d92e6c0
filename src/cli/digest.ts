/**
 * `digest`: hashes a model and prints its root digest, or the whole manifest
 * with `--json`.
 *
 * @module
 */

import { assertNotEmpty } from "../api/hashing_config.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { type CommandSpec, parseCommand } from "./args.ts";
import type { CliContext } from "./context.ts";
import {
  hashingConfigFromCli,
  MODEL_SELECTION_OPTIONS,
  RUN_OPTIONS,
  SERIALIZATION_OPTIONS,
} from "./model_options.ts";

/** Parsing and help of `digest`. */
export const DIGEST_COMMAND: CommandSpec = {
  usage: "model_signing digest [OPTIONS] MODEL_PATH",
  description: [
    "Compute the digest of a model: the SHA-256 root digest over its files, the value a",
    "signature's subject carries. By default files are hashed whole with SHA-256, as the",
    "Python tool does. A signature file inside the model is not ignored: pass",
    "--ignore-paths MODEL/model.sig to get the signed value.",
    "With --shard-size, one large file is hashed in parallel shards (a different manifest).",
  ].join("\n"),
  options: {
    ...MODEL_SELECTION_OPTIONS,
    ...SERIALIZATION_OPTIONS,
    json: { type: "boolean", help: "Print the whole manifest as JSON" },
    ...RUN_OPTIONS,
  },
  positionals: 1,
};

/** The manifest as printed by `--json`. */
export function manifestJson(manifest: Manifest): unknown {
  const s = manifest.serialization;
  return {
    model_name: manifest.modelName,
    digest: manifest.rootDigestString(),
    serialization: {
      method: s.method,
      hash_type: s.hashType,
      ...(s.method === "shards" ? { shard_size: s.shardSize } : {}),
      allow_symlinks: s.allowSymlinks,
      ignore_paths: s.ignorePaths,
    },
    resources: manifest.resourceDescriptors(),
  };
}

/** Runs `digest`; returns the exit status. */
export async function digestCommand(args: readonly string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, DIGEST_COMMAND);
  const [modelPath] = positionals;
  return await ctx.report("Computing digest failed", async () => {
    // Inside the report: resolving the ignore paths reads the file system.
    const config = hashingConfigFromCli(values, modelPath, DIGEST_COMMAND.usage)
      .setWarningHandler((m) => ctx.log.warning(m))
      .setProgressHandler(ctx.progress(values));
    const manifest = await config.hash(modelPath);
    assertNotEmpty(manifest, modelPath);
    ctx.io.out(
      values.json ? JSON.stringify(manifestJson(manifest), null, 2) : manifest.rootDigestString(),
    );
  });
}
