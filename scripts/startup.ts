/**
 * Start-up time of the CLI: time to first output of `--help` and
 * `--version`, against `deno run` of an empty file measured in the same run.
 * Run alone with `deno run --allow-all scripts/startup.ts`, or through
 * `deno task bench`.
 *
 * @module
 */

import * as nodePath from "node:path";
import { median } from "./bench_util.ts";

const ROOT = nodePath.resolve(import.meta.dirname!, "..");

/** One start-up measurement. */
export interface StartupResult {
  /** What was run. */
  readonly label: string;
  /** Median milliseconds from spawn to the first byte on standard output (or exit). */
  readonly medianMs: number;
  /** Ratio to the empty-file baseline. */
  readonly ratio: number;
}

async function timeToFirstOutput(args: string[]): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "null",
    stdin: "null",
  })
    .spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  const elapsed = performance.now() - start;
  reader.releaseLock();
  await child.stdout.cancel();
  await child.status;
  return elapsed;
}

/** Measures `runs` times each (after one warm-up run) and returns medians and ratios. */
export async function measureStartup(runs = 7): Promise<StartupResult[]> {
  const empty = Deno.makeTempFileSync({ suffix: ".ts" });
  Deno.writeTextFileSync(empty, 'console.log("");\n');
  const main = nodePath.join(ROOT, "main.ts");
  const cases: [string, string[]][] = [
    ["deno run (empty file)", ["run", "--quiet", empty]],
    ["model_signing --help", ["run", "--quiet", "--allow-read", "--allow-env", main, "--help"]],
    ["model_signing --version", [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-env",
      main,
      "--version",
    ]],
    ["model_signing sign --help", [
      "run",
      "--quiet",
      "--allow-read",
      "--allow-env",
      main,
      "sign",
      "--help",
    ]],
  ];
  try {
    const medians: number[] = [];
    for (const [, args] of cases) {
      await timeToFirstOutput(args);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) times.push(await timeToFirstOutput(args));
      medians.push(median(times));
    }
    return cases.map(([label], i) => ({
      label,
      medianMs: medians[i],
      ratio: medians[i] / medians[0],
    }));
  } finally {
    Deno.removeSync(empty);
  }
}

/** Prints the start-up table. */
export function printStartup(results: StartupResult[]): void {
  console.log("\nStart-up (time to first output, median):");
  for (const r of results) {
    console.log(
      `  ${r.label.padEnd(28)} ${r.medianMs.toFixed(0).padStart(6)} ms  ${r.ratio.toFixed(2)}×`,
    );
  }
}

if (import.meta.main) printStartup(await measureStartup());
