/**
 * Timing and memory helpers shared by the measurement scripts
 * (`bench.ts`, `startup.ts`, `scale.ts`).
 *
 * @module
 */

/** The median of `values` (the upper one of an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Peak resident memory of this process in KiB (`VmHWM`), or -1 where `/proc` is missing. */
export function peakRssKiB(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

/** One timed child process. */
export interface Timed {
  /** Wall time from spawn to exit, milliseconds. */
  readonly ms: number;
  /** Peak resident memory of the child (GNU `time` `%M`), KiB, or -1 when unknown. */
  readonly peakRssKiB: number;
  /**
   * System CPU seconds (GNU `time` `%S`) of each run, in order (a parallel run: its commands
   * summed); empty when unknown.
   */
  readonly systemS: readonly number[];
  /** Standard output. */
  readonly stdout: string;
}

const GNU_TIME = "/usr/bin/time";
let gnuTime: boolean | undefined;

function hasGnuTime(): boolean {
  if (gnuTime === undefined) {
    try {
      gnuTime = Deno.statSync(GNU_TIME).isFile;
    } catch {
      gnuTime = false;
    }
  }
  return gnuTime;
}

/**
 * Runs `cmd args…` to completion and measures it from spawn to exit.
 *
 * @throws {Error} when the command exits with a non-zero status.
 */
export async function timeCommand(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string } = {},
): Promise<Timed> {
  const rssFile = hasGnuTime() ? Deno.makeTempFileSync({ prefix: "bench-rss-" }) : undefined;
  const command = rssFile
    ? new Deno.Command(GNU_TIME, { args: ["-f", "%M %S", "-o", rssFile, cmd, ...args], ...options })
    : new Deno.Command(cmd, { args: [...args], ...options });
  const start = performance.now();
  const out = await command.output();
  const ms = performance.now() - start;
  let rss = -1;
  const systemS: number[] = [];
  if (rssFile) {
    const [kib, sys] = Deno.readTextFileSync(rssFile).trim().split("\n").at(-1)!.split(" ");
    rss = Number(kib);
    systemS.push(Number(sys));
    Deno.removeSync(rssFile);
  }
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    throw new Error(`${cmd} ${args.join(" ")} exited with ${out.code}: ${err}`);
  }
  return { ms, peakRssKiB: rss, systemS, stdout: new TextDecoder().decode(out.stdout) };
}

/** Runs several commands at once; the time is until the last exits, the memory the largest. */
export async function timeParallel(commands: readonly [string, string[]][]): Promise<Timed> {
  const start = performance.now();
  const results = await Promise.all(commands.map(([cmd, args]) => timeCommand(cmd, args)));
  return {
    ms: performance.now() - start,
    peakRssKiB: Math.max(...results.map((r) => r.peakRssKiB)),
    systemS: results.every((r) => r.systemS.length === 1)
      ? [results.reduce((n, r) => n + r.systemS[0], 0)]
      : [],
    stdout: results.map((r) => r.stdout).join(""),
  };
}

/**
 * Median of `runs` runs of each of `commands`, interleaved (a, b, a, b…) so
 * that a change of machine load hits all of them alike; each run comes after
 * `prepare` (e.g. warming the page cache). The memory is the largest seen.
 */
export async function interleavedMedians(
  runs: number,
  prepare: () => void,
  commands: readonly (() => Promise<Timed>)[],
): Promise<Timed[]> {
  const results: Timed[][] = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, run] of commands.entries()) {
      prepare();
      results[k].push(await run());
    }
  }
  return results.map(summary);
}

/** Median of `runs` runs of `run`, each after `prepare`; the memory is the largest seen. */
export async function medianOf(
  runs: number,
  prepare: () => void,
  run: () => Promise<Timed>,
): Promise<Timed> {
  return (await interleavedMedians(runs, prepare, [run]))[0];
}

function summary(results: Timed[]): Timed {
  const ms = median(results.map((r) => r.ms));
  return {
    ms,
    peakRssKiB: Math.max(...results.map((r) => r.peakRssKiB)),
    systemS: results.flatMap((r) => r.systemS),
    stdout: results.find((r) => r.ms === ms)!.stdout,
  };
}
