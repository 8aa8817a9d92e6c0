/**
 * `deno task bench`: end-to-end hashing speed against native tools, in one run.
 *
 * Builds synthetic models in a temporary folder — A: 4 × 512 MiB, B: one
 * 2 GiB file, C: 100,000 × 4 KiB — warms the page cache before every timed
 * run, and times (median of 3, process start to exit) our `digest`,
 * `sign key` and `verify key` (BLAKE3 with and without README's V8 flag
 * `--experimental-wasm-revectorize`) and the native references (`openssl dgst
 * -sha256` as one process and one process per core, `b3sum`, `b2sum`, where
 * installed), each row interleaved with its reference. Cold rows drop the
 * files' cached pages first (`dd iflag=nocache count=0` per file, checked
 * with `fincore`, after touching as much memory: see `dropCache`) and
 * compare with `cat` and `openssl` after the same drop and our warm run.
 * Prints a table with MB/s, peak RSS and the ratio to the
 * matching reference, a scaling table for `--workers 1, 2, …` up to the
 * cores, the steps of hashing many small files, BLAKE3 implementations in
 * memory, then the targets of the hashing issues as pass/fail lines, the
 * start-up times (`startup.ts`) and the 100,000-file sign/verify memory
 * (`scale.ts`), the incremental re-signing row (`resign_bench.ts`) and the
 * hostile-input refusals (`bench_hostile.ts`). Everything it builds is deleted at the end.
 *
 * Environment: `BENCH_SCALE` (default 1) scales every model (sizes of A and
 * B, file count of C); `BENCH_RUNS` (default 3) runs per median.
 *
 * @module
 */

import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import {
  interleavedMedians,
  medianOf,
  timeCommand,
  type Timed,
  timeParallel,
} from "./bench_util.ts";
import { measureHostile, printHostile } from "./bench_hostile.ts";
import { measureResign } from "./resign_bench.ts";
import { measureBlake3, printBlake3 } from "./bench_blake3.ts";
import { measureScale } from "./scale.ts";
import type { SmallFileSteps } from "./bench_steps.ts";
import { measureStartup, printStartup } from "./startup.ts";

const ROOT = nodePath.resolve(import.meta.dirname!, "..");
const MAIN = nodePath.join(ROOT, "main.ts");
const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? "1");
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? "3");
const CORES = navigator.hardwareConcurrency;
const MIB = 1 << 20;
/** The permissions README gives each command (only `sign` writes). */
const READ = ["--allow-read", "--allow-env"];
const WRITE = ["--allow-read", "--allow-write", "--allow-env"];
/** The V8 flag README suggests for BLAKE3 (its 8-lane kernel becomes 256-bit code). */
const REVECTORIZE = ["--v8-flags=--experimental-wasm-revectorize"];

interface Model {
  readonly name: string;
  readonly path: string;
  readonly files: string[];
  readonly bytes: number;
}

/** A native reference command; its rate times `factor` is what ours is compared with. */
interface Ref {
  readonly model: Model;
  readonly label: string;
  readonly run: () => Promise<Timed>;
  readonly factor?: number;
}

interface Row {
  readonly model: string;
  readonly what: string;
  readonly timed: Timed;
  readonly bytes: number;
  readonly files: number;
  /** The reference row's label and its throughput (MB/s), when there is one. */
  readonly reference?: { readonly label: string; readonly mbps: number };
}

const mbps = (bytes: number, ms: number) => bytes / 1e3 / ms;

/** Writes `bytes` of pseudo-random content (a random block, varied per MiB) to `path`. */
function writeData(path: string, bytes: number, block: Uint8Array): void {
  using file = Deno.openSync(path, { write: true, create: true, truncate: true });
  for (let done = 0, i = 0; done < bytes; i++) {
    const n = Math.min(block.length, bytes - done);
    block[0] = i & 0xff;
    block[1] = (i >> 8) & 0xff;
    file.writeSync(block.subarray(0, n));
    done += n;
  }
}

function randomBlock(size: number): Uint8Array {
  const block = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
  return block;
}

function buildModels(work: string): Model[] {
  const block = randomBlock(8 * MIB);
  const make = (name: string, count: number, size: number, perDir: number): Model => {
    const path = nodePath.join(work, name);
    const files: string[] = [];
    for (let i = 0; i < count; i++) {
      const dir = perDir > 0 ? nodePath.join(path, `d${Math.floor(i / perDir)}`) : path;
      if (i % (perDir || count) === 0) Deno.mkdirSync(dir, { recursive: true });
      const file = nodePath.join(dir, `f${i}.bin`);
      if (size >= MIB) writeData(file, size, block);
      else Deno.writeFileSync(file, block.subarray(i % 1024 * 4096, i % 1024 * 4096 + size));
      files.push(file);
    }
    return { name, path, files, bytes: count * size };
  };
  const big = (n: number) => Math.max(MIB, Math.round(n * SCALE / MIB) * MIB);
  return [
    make("A", 4, big(512 * MIB), 0),
    make("B", 1, big(2048 * MIB), 0),
    make("C", Math.max(100, Math.round(100_000 * SCALE)), 4096, 100),
  ];
}

/** Reads every file once so that the timed run finds it in the page cache. */
function warm(model: Model): void {
  const buffer = new Uint8Array(8 * MIB);
  for (const path of model.files) {
    using file = Deno.openSync(path);
    while (file.readSync(buffer) !== null) { /* read to the end */ }
  }
}

/**
 * Drops the model's pages from the page cache without root: GNU `dd` with
 * `iflag=nocache count=0` per file, then `fincore` checks that none are left.
 *
 * First, `dd` fills (and frees on exit) a buffer of the model's size plus
 * 512 MiB, so that the cache refills memory the hypervisor still backs. This
 * VM hands free memory back to its host after ~2 s (free page reporting), and
 * a run whose page cache landed in such memory paid 2–3 s of system time per
 * 2 GiB at random, `cat` and ours alike (docs/benchmarks.md, cold rows).
 */
function dropCache(model: Model): void {
  new Deno.Command("dd", {
    args: [
      "if=/dev/zero",
      "of=/dev/null",
      `bs=${Math.ceil(model.bytes / MIB) + 512}M`,
      "count=1",
      "iflag=fullblock",
      "status=none",
    ],
  }).outputSync();
  for (const path of model.files) {
    new Deno.Command("dd", { args: [`if=${path}`, "iflag=nocache", "count=0", "status=none"] })
      .outputSync();
  }
  const out = new Deno.Command("fincore", {
    args: ["--bytes", "--noheadings", "--output", "RES", ...model.files],
  }).outputSync();
  if (!out.success) return; // no fincore: the drop is not checked
  const left = new TextDecoder().decode(out.stdout).trim().split("\n")
    .reduce((n, line) => n + Number(line.trim() || 0), 0);
  if (left > model.bytes / 100) console.log(`warning: ${left} bytes of ${model.name} still cached`);
}

function toolAvailable(tool: string, args = ["--version"]): boolean {
  try {
    return new Deno.Command(tool, { args, stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/** Splits `files` into `n` groups of about equal size, largest first. */
function perCore(files: string[], n: number): string[][] {
  const groups: string[][] = Array.from({ length: Math.min(n, files.length) }, () => []);
  files.forEach((f, i) => groups[i % groups.length].push(f));
  return groups;
}

function load(): string {
  return Deno.loadavg().map((l) => l.toFixed(2)).join(", ");
}

async function main(): Promise<void> {
  const work = Deno.makeTempDirSync({ prefix: "msig-bench-" });
  const rows: Row[] = [];
  const started = performance.now();
  try {
    console.log(`Machine: ${machine()}`);
    console.log(`Deno ${Deno.version.deno}; scale ${SCALE}; median of ${RUNS}; load ${load()}`);
    const [A, B, C] = buildModels(work);
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const priv = nodePath.join(work, "key.pem");
    const pub = nodePath.join(work, "key.pub");
    Deno.writeTextFileSync(priv, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);

    const time = (model: Model, run: () => Promise<Timed>) =>
      medianOf(RUNS, () => warm(model), run);
    const add = (model: Model, what: string, timed: Timed, reference?: Row["reference"]): Row => {
      const row: Row = {
        model: model.name,
        what,
        timed,
        bytes: model.bytes,
        files: model.files.length,
        reference,
      };
      rows.push(row);
      return row;
    };
    /** Measures a reference alone (its own table row). */
    const addRef = async (ref: Ref) => add(ref.model, ref.label, await time(ref.model, ref.run));
    /** Our command with README's permissions, and `v8` (V8 flags) when given. */
    const ourRun = (args: string[], v8: string[] = []) => () =>
      timeCommand(Deno.execPath(), [
        "run",
        "--quiet",
        ...(args[0] === "sign" ? WRITE : READ),
        ...v8,
        MAIN,
        ...args,
      ]);
    /** Our command, interleaved with its reference when there is one, so both see the same load. */
    const ours = async (model: Model, what: string, args: string[], ref?: Ref, v8?: string[]) => {
      if (!ref) return add(model, what, await time(model, ourRun(args, v8)));
      const [timed, refTimed] = await interleavedMedians(RUNS, () => warm(model), [
        ourRun(args, v8),
        ref.run,
      ]);
      const refMbps = mbps(ref.model.bytes, refTimed.ms) * (ref.factor ?? 1);
      return add(model, what, timed, { label: ref.label, mbps: refMbps });
    };
    /** Our digest, sign key and verify key for one method; `digestOnly` skips the other two. */
    const oursAll = async (
      model: Model,
      method: string[],
      label: string,
      ref?: Ref,
      digestOnly = false,
      v8?: string[],
    ) => {
      await ours(model, `digest ${label}`, ["digest", ...method, model.path], ref, v8);
      if (digestOnly) return;
      const sig = nodePath.join(work, `${model.name}.sig`);
      const sign = ["sign", "key", "--private-key", priv, "--signature", sig, ...method];
      await ours(model, `sign key ${label}`, [...sign, model.path], ref);
      const verify = ["verify", "key", "--public-key", pub, "--signature", sig, model.path];
      await ours(model, `verify key ${label}`, verify, ref);
    };

    const openssl = toolAvailable("openssl", ["version"]);
    const sha = (files: string[][]): Ref["run"] => () =>
      timeParallel(files.map((g) => ["openssl", ["dgst", "-sha256", ...g]]));
    let osslPerCore: Ref | undefined;
    let osslOneB: Ref | undefined;
    if (openssl) {
      await addRef({ model: A, label: "openssl sha256, 1 process", run: sha([A.files]) });
      osslPerCore = {
        model: A,
        label: `openssl sha256, ${CORES} processes`,
        run: sha(perCore(A.files, CORES)),
      };
      await addRef(osslPerCore);
      osslOneB = { model: B, label: "openssl sha256, 1 process", run: sha([B.files]) };
      await addRef(osslOneB);
    } else console.log("openssl: not installed, its lines are skipped");

    const shard = ["--shard-size", String(Math.min(512 * MIB, B.bytes / 4))];
    await oursAll(A, ["--hash-algorithm", "sha256"], "sha256 files", osslPerCore);
    await oursAll(A, ["--hash-algorithm", "sha256", ...shard], "sha256 shards", osslPerCore);
    await oursAll(B, ["--hash-algorithm", "sha256"], "sha256 files", osslOneB, true);
    // One file cannot be split across `openssl` processes: the per-core run on A is the reference.
    await oursAll(B, ["--hash-algorithm", "sha256", ...shard], "sha256 shards", osslPerCore);

    let b3: Ref | undefined;
    if (toolAvailable("b3sum")) {
      b3 = { model: A, label: "b3sum, all threads", run: () => timeCommand("b3sum", A.files) };
      await addRef(b3);
    } else console.log("b3sum: not installed (Debian package b3sum), its line is skipped");
    const b3B: Ref | undefined = b3 &&
      { model: B, label: "b3sum, all threads", run: () => timeCommand("b3sum", B.files) };
    // With README's V8 flag for BLAKE3 (the target rows), then without it.
    const blake3 = ["--hash-algorithm", "blake3"];
    await oursAll(A, blake3, "blake3 files, V8 revec", b3, true, REVECTORIZE);
    await oursAll(B, blake3, "blake3 files, V8 revec", b3B, true, REVECTORIZE);
    await oursAll(A, blake3, "blake3 files", b3, true);
    await oursAll(B, blake3, "blake3 files", b3B, true);

    let b2: Ref | undefined;
    if (toolAvailable("b2sum")) {
      const run = () => timeCommand("b2sum", A.files);
      await addRef({ model: A, label: "b2sum, 1 process", run });
      // The target's reference: the one-process rate times the cores.
      b2 = { model: A, label: `b2sum per core × ${CORES}`, run, factor: CORES };
    } else console.log("b2sum: not installed (coreutils), its line is skipped");
    await oursAll(A, ["--hash-algorithm", "blake2b"], "blake2b files", b2, true);
    await oursAll(A, ["--hash-algorithm", "blake2b", ...shard], "blake2b shards", b2, true);

    // Many small files: one `openssl dgst` per core over its share of the files (xargs).
    const listFile = nodePath.join(work, "C.list");
    Deno.writeTextFileSync(listFile, C.files.join("\n") + "\n");
    const osslC: Ref | undefined = openssl
      ? {
        model: C,
        label: `openssl sha256, ${CORES} processes (xargs)`,
        run: () =>
          timeCommand("sh", [
            "-c",
            `xargs -P ${CORES} -n ${
              Math.ceil(C.files.length / CORES)
            } openssl dgst -sha256 < ${listFile}`,
          ]),
      }
      : undefined;
    await oursAll(C, ["--hash-algorithm", "sha256"], "sha256 files", osslC);
    // Not a target: shows what Deno's per-call permission checks cost on 300,000 path operations.
    const all = ["run", "--quiet", "--allow-all", MAIN, "digest", C.path];
    add(
      C,
      "digest sha256 files, --allow-all",
      await time(C, () => timeCommand(Deno.execPath(), all)),
    );
    // Not a target: V8's young generation at a quarter of its default maximum (see docs/benchmarks.md).
    const semi = ourRun(["digest", C.path], ["--v8-flags=--max-semi-space-size=4"]);
    add(C, "digest sha256 files, semi-space 4 MiB", await time(C, semi));

    // Cold: the same files after their pages are dropped, beside the disk's rate (`cat`),
    // `openssl` after the same drop and our own warm run, all interleaved.
    const cold = (run: () => Promise<Timed>) => () => (dropCache(A), run());
    const hot = (run: () => Promise<Timed>) => () => (warm(A), run());
    const digestA = ourRun(["digest", "--hash-algorithm", "sha256", A.path]);
    const coldRuns: [string, () => Promise<Timed>][] = [
      ["cat, cold", cold(() => timeCommand("sh", ["-c", `cat ${A.files.join(" ")} > /dev/null`]))],
      ...(openssl
        ? [[`openssl sha256, ${CORES} processes, cold`, cold(sha(perCore(A.files, CORES)))] as [
          string,
          () => Promise<Timed>,
        ]]
        : []),
      ["digest sha256 files, cold", cold(digestA)],
      ["digest sha256 files, warm", hot(digestA)],
    ];
    const coldTimed = await interleavedMedians(RUNS, () => {}, coldRuns.map(([, run]) => run));
    const coldRow = (what: string) => coldTimed[coldRuns.findIndex(([w]) => w === what)];
    const limit = Math.max(coldRow("cat, cold").ms, coldRow("digest sha256 files, warm").ms);
    coldRuns.forEach(([what], k) => {
      const reference = what === "digest sha256 files, cold"
        ? { label: "slower of cat cold and our warm", mbps: mbps(A.bytes, limit) }
        : undefined;
      add(A, what, coldTimed[k], reference);
    });

    // Scaling: the same digest with 1, 2, … workers up to the cores, interleaved per model.
    const counts = [...new Set([1, 2, CORES])].sort((a, b) => a - b);
    const scaling: { model: Model; what: string; timed: Timed[] }[] = [];
    for (
      const [model, what, args, v8] of [
        [B, "digest blake3 files, V8 revec", blake3, REVECTORIZE],
        [A, "digest sha256 files", ["--hash-algorithm", "sha256"], []],
        [C, "digest sha256 files", ["--hash-algorithm", "sha256"], []],
      ] as [Model, string, string[], string[]][]
    ) {
      const timed = await interleavedMedians(
        RUNS,
        () => warm(model),
        counts.map((n) => ourRun(["digest", ...args, "--workers", String(n), model.path], v8)),
      );
      timed.forEach((t, k) => add(model, `${what}, --workers ${counts[k]}`, t));
      scaling.push({ model, what, timed });
    }

    printTable(rows);
    console.log(`"V8 revec": run with ${REVECTORIZE[0]} (README, BLAKE3).`);
    // This VM sometimes makes a cold read cost seconds of system time (docs/benchmarks.md).
    console.log("\nCold rows, system CPU seconds of each run:");
    coldRuns.forEach(([what], k) => {
      console.log(
        `  ${what.padEnd(36)} ${coldTimed[k].systemS.map((s) => s.toFixed(2)).join("  ")}`,
      );
    });
    printScaling(scaling, counts);
    warm(C);
    const steps = await smallFileSteps(C);
    printBlake3(await measureBlake3());
    console.log(`\nload after the hashing runs: ${load()}`);

    await measureResign();
    printStartup(await measureStartup());
    const scale = await measureScale(C.files.length);
    console.log(
      `\nScale (${scale.files} small files, library sign + verify in one child process):` +
        ` sign ${scale.signMs} ms, verify ${scale.verifyMs} ms,` +
        ` peak RSS ${(scale.peakRssKiB / 1024).toFixed(0)} MiB`,
    );
    if (steps) {
      console.log(
        `\nSmall files, each step alone (${steps.files} files, README's permissions): walk` +
          ` ${steps.walkMs.toFixed(0)} ms, open + hash (pool) ${steps.openHashMs.toFixed(0)} ms,` +
          ` after-check ${steps.checkMs.toFixed(0)} ms; HashingConfig.hash (walk pipelined)` +
          ` ${steps.hashMs.toFixed(0)} ms; statement ${steps.statementMs.toFixed(0)} ms`,
      );
    }
    printTargets(rows, C.files.length, { files: scale.files, mib: scale.peakRssKiB / 1024 });
    console.log(`\nload at the end: ${load()}`);
    printHostile(await measureHostile());
  } finally {
    Deno.removeSync(work, { recursive: true });
  }
  console.log(`\nbench finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function machine(): string {
  let cpu: string = Deno.build.arch;
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? cpu;
  } catch { /* not Linux */ }
  const memGiB = (Deno.systemMemoryInfo().total / 2 ** 30).toFixed(0);
  return `${CORES} cores (${cpu}), ${memGiB} GiB, ${Deno.build.os}`;
}

/** Runs `bench_steps.ts` on `model` with README's `digest` permissions. */
async function smallFileSteps(model: Model): Promise<SmallFileSteps | undefined> {
  const script = nodePath.join(ROOT, "scripts", "bench_steps.ts");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-env", script, model.path],
  }).output();
  if (!out.success) return undefined;
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

function printScaling(
  scaling: readonly { model: Model; what: string; timed: Timed[] }[],
  counts: readonly number[],
): void {
  console.log(`\nScaling with --workers (${CORES} cores here; rate, and × the 1-worker rate):`);
  for (const { model, what, timed } of scaling) {
    const rate = (t: Timed) =>
      model.files.length > 100
        ? `${(model.files.length / (t.ms / 1000)).toFixed(0)} files/s`
        : `${mbps(model.bytes, t.ms).toFixed(0)} MB/s`;
    const cells = timed.map((t, k) =>
      `${counts[k]}: ${rate(t)} (${(timed[0].ms / t.ms).toFixed(2)}×)`
    );
    console.log(`  ${model.name} ${what.padEnd(20)} ${cells.join("   ")}`);
  }
}

function printTable(rows: Row[]): void {
  const header = [
    "model",
    "command",
    "time s",
    "MB/s",
    "files/s",
    "peak RSS MiB",
    "reference",
    "ratio",
  ];
  const lines = rows.map((r) => {
    const rate = mbps(r.bytes, r.timed.ms);
    return [
      r.model,
      r.what,
      (r.timed.ms / 1000).toFixed(2),
      rate.toFixed(0),
      r.files > 100 ? (r.files / (r.timed.ms / 1000)).toFixed(0) : "",
      r.timed.peakRssKiB < 0 ? "n/a" : (r.timed.peakRssKiB / 1024).toFixed(0),
      r.reference ? `${r.reference.label}: ${r.reference.mbps.toFixed(0)} MB/s` : "",
      r.reference ? (rate / r.reference.mbps).toFixed(2) : "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) =>
    "| " + cells.map((c, i) =>
      i >= 2 && i <= 5 || i === 7 ? c.padStart(widths[i]) : c.padEnd(widths[i])
    ).join(" | ") + " |";
  console.log("\n" + fmt(header));
  console.log(
    "|" +
      widths.map((w, i) => (i >= 2 && i !== 6 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join(
        "|",
      ) + "|",
  );
  for (const l of lines) console.log(fmt(l));
}

function printTargets(rows: Row[], cFiles: number, scale: { files: number; mib: number }): void {
  const find = (model: string, what: string) =>
    rows.find((r) => r.model === model && r.what === what);
  const ratio = (r: Row | undefined) =>
    r?.reference ? mbps(r.bytes, r.timed.ms) / r.reference.mbps : undefined;
  const lines: [string, boolean | undefined, string][] = [];
  const atLeast = (label: string, r: Row | undefined, min: number) => {
    const v = ratio(r);
    lines.push([
      label,
      v === undefined ? undefined : v >= min,
      v === undefined ? "no reference" : `${v.toFixed(2)} (≥ ${min})`,
    ]);
  };
  for (const cmd of ["digest", "sign key", "verify key"]) {
    atLeast(`A ${cmd} sha256 ≥ 1.0 × openssl per core`, find("A", `${cmd} sha256 files`), 1.0);
    atLeast(
      `B ${cmd} sha256 shards ≥ 1.0 × openssl per core`,
      find("B", `${cmd} sha256 shards`),
      1.0,
    );
  }
  atLeast("B digest sha256 files ≥ 1.0 × one openssl", find("B", "digest sha256 files"), 1.0);
  const revec = "digest blake3 files, V8 revec";
  atLeast("A digest blake3 (V8 revec) ≥ 0.35 × b3sum (aim 0.5)", find("A", revec), 0.35);
  atLeast("B digest blake3 (V8 revec) ≥ 0.35 × b3sum (aim 0.5)", find("B", revec), 0.35);
  const w1 = find("B", `${revec}, --workers 1`);
  const w2 = find("B", `${revec}, --workers 2`);
  if (w1 && w2) {
    const speedUp = w1.timed.ms / w2.timed.ms;
    lines.push([
      "B blake3 2 workers ≥ 1.7 × 1 worker (one file split)",
      speedUp >= 1.7,
      `${speedUp.toFixed(2)}×`,
    ]);
  }
  atLeast(
    "A digest blake2b ≥ 0.8 × b2sum per core × cores",
    find("A", "digest blake2b files"),
    0.8,
  );
  for (
    const [cmd, min] of [["digest", 50_000], ["sign key", 40_000], ["verify key", 40_000]] as const
  ) {
    const c = find("C", `${cmd} sha256 files`);
    if (!c) continue;
    const rate = cFiles / (c.timed.ms / 1000);
    lines.push([
      `C ${cmd} ≥ ${min.toLocaleString("en")} files/s`,
      rate >= min,
      `${rate.toFixed(0)} files/s`,
    ]);
  }
  const cold = find("A", "digest sha256 files, cold");
  if (cold?.reference) {
    const v = cold.timed.ms / (cold.bytes / 1e3 / cold.reference.mbps);
    lines.push([
      "A digest cold ≤ 1.1 × the slower of cat cold and our warm run",
      v <= 1.1,
      `${v.toFixed(2)} ×`,
    ]);
  }
  for (const model of ["A", "B", "C"]) {
    // The rows with ", " run under other flags, for comparison only.
    const ourRows = rows.filter((r) =>
      r.model === model && /^(digest|sign|verify)/.test(r.what) && !r.what.includes(", ")
    );
    const top = ourRows.reduce((a, b) => (b.timed.peakRssKiB > a.timed.peakRssKiB ? b : a));
    const peak = top.timed.peakRssKiB / 1024;
    lines.push([
      `${model} peak RSS < 200 MiB (all our runs)`,
      peak < 200,
      `${peak.toFixed(0)} MiB at most (${top.what})`,
    ]);
  }
  lines.push([
    `${scale.files.toLocaleString("en")}-file scale run (sign + verify in one process) < 300 MiB`,
    scale.mib < 300,
    `${scale.mib.toFixed(0)} MiB`,
  ]);
  console.log("\nTargets:");
  for (const [label, ok, detail] of lines) {
    console.log(`  ${ok === undefined ? "SKIP" : ok ? "PASS" : "FAIL"}  ${label}: ${detail}`);
  }
}

if (import.meta.main) await main();
