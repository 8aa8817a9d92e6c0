// The worker pool never changes a digest: worker count, read size, batching,
// in-thread cut-over and read/hash overlap are compared with the serial
// reference on random trees; errors from workers keep their type and message.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { ModelPathError } from "../../src/errors.ts";
import { HASH_ALGORITHMS, hasherFactory } from "../../src/hashing/algorithms.ts";
import { SerialEngine } from "../../src/hashing/engine.ts";
import type { HashJob } from "../../src/hashing/engine_types.ts";
import {
  allocReadBuffer,
  hashRangeTask,
  hashRangeTaskOverlapped,
} from "../../src/hashing/file_range.ts";
import { toHex } from "../../src/util/encoding.ts";
import { type PoolOptions, WorkerPoolEngine } from "../../src/hashing/pool.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { tempDir } from "../fixtures.ts";
import { prng } from "../helpers.ts";

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * A random tree under `root`: many tiny files (batching), sizes around the
 * read sizes used below, and one file above the default batch limit
 * (8 MiB), so that both the caller-helps and the workers-only shapes run.
 */
function randomTree(root: string, seed: number, withLarge: boolean): void {
  const rand = prng(seed);
  const sizes = [0, 1, 4 * KIB - 1, 4 * KIB, 4 * KIB + 1, 64 * KIB + 3, MIB + 17];
  for (let i = 0; i < 60; i++) sizes.push(Math.floor(rand() * 3 * KIB));
  for (let i = 0; i < 4; i++) sizes.push(Math.floor(rand() * 3 * MIB));
  if (withLarge) sizes.push(9 * MIB + Math.floor(rand() * MIB));
  sizes.forEach((size, i) => {
    const dir = nodePath.join(root, `d${Math.floor(rand() * 4)}`, `e${i % 3}`);
    Deno.mkdirSync(dir, { recursive: true });
    const data = new Uint8Array(size);
    for (let k = 0; k < size; k += 4096) data[k] = Math.floor(rand() * 256);
    data.fill(i & 0xff, 0, Math.min(size, 7));
    Deno.writeFileSync(nodePath.join(dir, `f${i}`), data);
  });
}

function jobsOf(root: string, shardSize?: number): HashJob[] {
  const jobs: HashJob[] = [];
  const visit = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const path = nodePath.join(dir, e.name);
      if (e.isDirectory) visit(path);
      else {
        const size = Deno.statSync(path).size;
        const step = shardSize ?? Math.max(size, 1);
        for (let start = 0; start < size || start === 0; start += step) {
          jobs.push({ path, start, end: Math.min(start + step, size), fileSize: size });
          if (size === 0) break;
        }
      }
    }
  };
  visit(root);
  return jobs;
}

// Forces the worker path even for small trees, with tiny batches so many messages flow.
const SHAPES: [string, PoolOptions][] = [
  ["1 worker", { workers: 1 }],
  ["2 workers", { workers: 2, inThreadBytes: 0, inThreadJobs: 0 }],
  ["3 workers, batches of 3 jobs", { workers: 3, inThreadBytes: 0, inThreadJobs: 0, batchJobs: 3 }],
  ["2 workers, 64 KiB batches", {
    workers: 2,
    inThreadBytes: 0,
    inThreadJobs: 0,
    batchBytes: 64 * KIB,
  }],
  ["default tuning", {}],
];

for (const seed of [1, 2]) {
  const withLarge = seed === 1;
  Deno.test(`pool digests equal the serial engine on random tree ${seed} (every algorithm, shape, read size)`, async () => {
    using dir = tempDir();
    randomTree(dir.path, seed, withLarge);
    for (const shardSize of [undefined, 1 * MIB + 5]) {
      const jobs = jobsOf(dir.path, shardSize);
      for (const algorithm of HASH_ALGORITHMS) {
        const expected = (await new SerialEngine().hashAll(jobs, algorithm)).map(toHex);
        for (const [k, [shape, options]] of SHAPES.entries()) {
          const chunkSize = k % 2 ? 4 * KIB + 1 : MIB;
          let bytes = 0;
          const got = await new WorkerPoolEngine(options).hashAll(jobs, algorithm, {
            chunkSize,
            onBytes: (n) => bytes += n,
          });
          const what = `${algorithm}, ${shape}, chunk ${chunkSize}, shards ${shardSize}`;
          assert.deepEqual(got.map(toHex), expected, what);
          assert.equal(bytes, jobs.reduce((n, j) => n + j.end - j.start, 0), what);
        }
      }
    }
  });
}

Deno.test("the HashingConfig manifest is the same for 1, 2 and 4 workers", async () => {
  using dir = tempDir();
  randomTree(dir.path, 3, true);
  // Above the in-thread limit (5,000 jobs), so that 2 and 4 workers really start.
  const many = nodePath.join(dir.path, "many");
  Deno.mkdirSync(many);
  for (let i = 0; i < 5_100; i++) Deno.writeTextFileSync(nodePath.join(many, `m${i}`), `${i}`);
  for (const shardSize of [undefined, 300_001]) {
    const digests = [];
    for (const maxWorkers of [1, 2, 4]) {
      const config = new HashingConfig();
      if (shardSize) config.useShardSerialization({ shardSize, maxWorkers });
      else config.useFileSerialization({ maxWorkers });
      const manifest = await config.hash(dir.path);
      digests.push(JSON.stringify(manifest.resourceDescriptors()));
    }
    assert.equal(digests[1], digests[0]);
    assert.equal(digests[2], digests[0]);
  }
});

Deno.test("overlapped reads give the serial digest for any range and read size", async () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "f");
  const data = new Uint8Array(3 * MIB + 333).map((_, i) => (i * 31) % 253);
  Deno.writeFileSync(path, data);
  const newHash = await hasherFactory("sha256");
  for (const [start, end] of [[0, data.length], [5, 2 * MIB + 1], [MIB, MIB + 1], [7, 7]]) {
    const task = { path, start, end };
    const expected = toHex(hashRangeTask(task, data.length, newHash, allocReadBuffer(4096)));
    for (const chunk of [1000, 64 * KIB, MIB]) {
      const buffers = {
        buffers: [allocReadBuffer(chunk), allocReadBuffer(chunk)],
        readSize: chunk,
      };
      let toggle = false;
      let seen = 0;
      const got = await hashRangeTaskOverlapped(
        task,
        data.length,
        newHash,
        buffers,
        () => (toggle = !toggle), // alternate: overlapped and plain reads mix in one range
        (n) => seen += n,
      );
      assert.equal(toHex(got), expected, `range ${start}-${end}, chunk ${chunk}`);
      assert.equal(seen, end - start);

      // The reads "wait on the device" from the second one on: then the range reads whole
      // (larger) buffers, overlapped, although overlap() never allows it.
      const large = 3 * chunk + 5;
      const cold = {
        buffers: [allocReadBuffer(large), allocReadBuffer(large)],
        readSize: chunk,
        waited: (bytes: number) => bytes >= 2 * chunk || undefined,
      };
      const reads: number[] = [];
      const coldDigest = await hashRangeTaskOverlapped(
        task,
        data.length,
        newHash,
        cold,
        () => false,
        (n) => reads.push(n),
      );
      assert.equal(toHex(coldDigest), expected, `cold, range ${start}-${end}, chunk ${chunk}`);
      assert.equal(reads.reduce((a, b) => a + b, 0), end - start);
      if (end - start > 2 * chunk + large) {
        assert.deepEqual(reads.slice(0, 3), [chunk, chunk, large], `cold reads, chunk ${chunk}`);
      }
    }
  }
});

/** The error the serial engine and a 2-worker pool raise for the same jobs. */
async function bothErrors(jobs: HashJob[]): Promise<[unknown, unknown]> {
  const serial = await new SerialEngine().hashAll(jobs, "sha256").catch((e) => e);
  const pool = await new WorkerPoolEngine({ workers: 2, inThreadBytes: 0, inThreadJobs: 0 })
    .hashAll(jobs, "sha256").catch((e) => e);
  return [serial, pool];
}

Deno.test("errors in a worker reach the caller as the same ModelPathError and message", async () => {
  using dir = tempDir();
  const a = nodePath.join(dir.path, "a");
  const b = nodePath.join(dir.path, "b");
  Deno.writeFileSync(a, new Uint8Array(10));
  Deno.writeFileSync(b, new Uint8Array(20));
  const cases: [string, HashJob[], RegExp][] = [
    ["a missing file", [
      { path: a, start: 0, end: 10, fileSize: 10 },
      { path: nodePath.join(dir.path, "gone"), start: 0, end: 5, fileSize: 5 },
    ], /disappeared while the model was being hashed/],
    ["a size change", [
      { path: a, start: 0, end: 10, fileSize: 10 },
      { path: b, start: 0, end: 25, fileSize: 25 },
    ], /changed while it was being hashed \(size 25 became 20\)/],
    ["a directory", [
      { path: a, start: 0, end: 10, fileSize: 10 },
      { path: dir.path, start: 0, end: 1, fileSize: 1 },
    ], /not a regular file|Cannot read/],
  ];
  for (const [what, jobs, pattern] of cases) {
    const [serial, pool] = await bothErrors(jobs);
    assert.ok(serial instanceof ModelPathError, what);
    assert.ok(pool instanceof ModelPathError, `${what}: ${pool}`);
    assert.match(pool.message, pattern, what);
    assert.equal(pool.message, serial.message, what);
    assert.equal(pool.path, serial.path, what);
  }
});

Deno.test("blake3 split into subtrees on workers: the serial and b3sum digest for any worker count and part size", async () => {
  using dir = tempDir();
  const rand = prng(5);
  const jobs: HashJob[] = [];
  for (let k = 0; k <= 11; k++) {
    for (const delta of [-1, 0, 1, 1 + Math.floor(rand() * 3 * KIB)]) {
      const size = KIB * 2 ** k + delta;
      const path = nodePath.join(dir.path, `f${k}_${delta}`);
      Deno.writeFileSync(path, new Uint8Array(size).map((_, i) => (i * 13 + k) % 255));
      jobs.push({ path, start: 0, end: size, fileSize: size });
    }
  }
  // Ranges that start inside a file are messages of their own, split the same way.
  const last = jobs[jobs.length - 1];
  jobs.push({ ...last, start: 3 * KIB + 5 }, { ...last, start: 777, end: 777 + 70 * KIB });
  const expected = (await new SerialEngine().hashAll(jobs, "blake3")).map(toHex);
  const b3sum = new Deno.Command("b3sum", {
    args: ["--no-names", ...jobs.filter((j) => j.start === 0).map((j) => j.path)],
  }).output().catch(() => undefined);
  for (const workers of [1, 2, 3]) {
    for (const treePartBytes of [KIB, 4 * KIB, 64 * KIB]) {
      const engine = new WorkerPoolEngine({
        workers,
        treePartBytes,
        inThreadBytes: 0,
        inThreadJobs: 0,
        batchBytes: 16 * KIB,
      });
      let bytes = 0;
      const got = await engine.hashAll(jobs, "blake3", {
        chunkSize: 3 * KIB + 1,
        onBytes: (n) => bytes += n,
      });
      const what = `${workers} workers, parts of ${treePartBytes} bytes`;
      assert.deepEqual(got.map(toHex), expected, what);
      assert.equal(bytes, jobs.reduce((n, j) => n + j.end - j.start, 0), what);
    }
  }
  const out = await b3sum;
  if (!out?.success) {
    console.warn(
      "b3sum not installed (Debian package b3sum): compared with the serial engine only",
    );
    return;
  }
  const reference = new TextDecoder().decode(out.stdout).trim().split("\n");
  assert.deepEqual(expected.slice(0, reference.length), reference);
});
