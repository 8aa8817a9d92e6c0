/**
 * The steps of hashing a model of many small files, each timed alone in one
 * process (run it with the permissions README gives `digest`, as the bench
 * does: `deno run --allow-read --allow-env scripts/bench_steps.ts MODEL`):
 * the walk alone, opening and hashing the files it found (the pool, without
 * the walk), the after-hashing check, the whole `HashingConfig.hash` (walk
 * pipelined with the hashing), and the statement build. Prints JSON.
 *
 * @module
 */

import { HashingConfig } from "../src/api/hashing_config.ts";
import { buildStatement } from "../src/format/statement.ts";
import { IgnoreSet } from "../src/hashing/ignore.ts";
import { WorkerPoolEngine } from "../src/hashing/pool.ts";
import {
  assertDirectoriesInPlace,
  realPathOrUndefined,
  walkModelEntries,
} from "../src/hashing/walk.ts";
import { ByteList } from "../src/util/byte_list.ts";

/** Milliseconds per step. */
export interface SmallFileSteps {
  readonly files: number;
  readonly walkMs: number;
  readonly openHashMs: number;
  readonly checkMs: number;
  readonly hashMs: number;
  readonly statementMs: number;
}

async function measure(model: string): Promise<SmallFileSteps> {
  const time = async <T>(run: () => T | Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const value = await run();
    return [value, performance.now() - start];
  };
  const walk = { ignore: new IgnoreSet([]), allowSymlinks: false };
  const [entries, walkMs] = await time(() => [...walkModelEntries(model, walk)]);
  const [, openHashMs] = await time(() => new WorkerPoolEngine().hashFiles(entries, "sha256"));
  const names = new ByteList();
  for (const e of entries) names.pushString(e.name);
  const root = realPathOrUndefined(model);
  const [, checkMs] = await time(() => assertDirectoriesInPlace(model, names, root));
  const [manifest, hashMs] = await time(() => new HashingConfig().hash(model));
  const [, statementMs] = await time(() => buildStatement(manifest));
  return { files: entries.length, walkMs, openHashMs, checkMs, hashMs, statementMs };
}

if (import.meta.main) console.log(JSON.stringify(await measure(Deno.args[0])));
