// The hashing progress line: when it shows, what it says, and that it is off
// with --quiet or when standard error is not a terminal.
import assert from "node:assert/strict";
import { createContext } from "../../src/cli/context.ts";
import { type CliIo, Logger } from "../../src/cli/io.ts";
import {
  createProgressDisplay,
  formatBytes,
  formatDuration,
  progressText,
} from "../../src/cli/progress.ts";

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

Deno.test("progress: nothing before the delay, then at most one redraw per interval", () => {
  const clock = fakeClock();
  const written: string[] = [];
  const display = createProgressDisplay({ write: (s) => written.push(s), now: clock.now });
  const total = 4_000_000_000;
  // Waiting before hashing starts (a PIN prompt) does not count: the clock starts at the first update.
  clock.advance(10_000);
  display.update({ bytesDone: 0, bytesTotal: total });
  clock.advance(400);
  display.update({ bytesDone: 400_000_000, bytesTotal: total });
  assert.deepEqual(written, [], "quiet during the first 500 ms");
  clock.advance(200);
  display.update({ bytesDone: 600_000_000, bytesTotal: total });
  assert.equal(written.length, 1);
  assert.equal(
    written[0],
    "\rHashing 600 MB / 4.00 GB (15%), 1.00 GB/s, 3 s left\x1b[K",
  );
  clock.advance(100);
  display.update({ bytesDone: 700_000_000, bytesTotal: total });
  assert.equal(written.length, 1, "not redrawn within 250 ms");
  clock.advance(200);
  display.update({ bytesDone: 900_000_000, bytesTotal: total });
  assert.equal(written.length, 2);
  display.update({ bytesDone: total, bytesTotal: total });
  assert.equal(written.at(-1), "\r\x1b[K", "the line is cleared when hashing ends");
  display.clear();
  assert.equal(written.length, 3, "clearing twice writes nothing");
});

Deno.test("progress: a short run never draws anything", () => {
  const clock = fakeClock();
  const written: string[] = [];
  const display = createProgressDisplay({ write: (s) => written.push(s), now: clock.now });
  display.update({ bytesDone: 0, bytesTotal: 10 });
  clock.advance(100);
  display.update({ bytesDone: 5, bytesTotal: 10 });
  clock.advance(100);
  display.update({ bytesDone: 10, bytesTotal: 10 });
  display.clear();
  assert.deepEqual(written, []);
});

Deno.test("progress: byte, rate and duration formats", () => {
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1.0344511825334037), "1 B", "a rate below 1 kB/s is whole bytes");
  assert.equal(formatBytes(1_500), "1.50 kB");
  assert.equal(formatBytes(25_300_000), "25.3 MB");
  assert.equal(formatBytes(512_000_000_000), "512 GB");
  assert.equal(formatDuration(42.4), "42 s");
  assert.equal(formatDuration(185), "3 min 05 s");
  assert.equal(formatDuration(3720), "1 h 02 min");
  assert.equal(
    progressText({ bytesDone: 0, bytesTotal: 1000 }, 0),
    "Hashing 0 B / 1.00 kB (0%), 0 B/s",
  );
});

function io(terminal: boolean, sink: string[]): CliIo {
  return { out: () => {}, errRaw: (t) => void sink.push(t), stderrIsTerminal: terminal };
}

Deno.test("progress: off with --quiet or without a terminal; cleared before a failure line", async () => {
  const sink: string[] = [];
  assert.equal(createContext(io(false, sink), new Logger(io(false, sink))).progress({}), undefined);
  const tty = io(true, sink);
  const ctx = createContext(tty, new Logger(tty));
  assert.equal(ctx.progress({ quiet: true }), undefined);
  const onProgress = ctx.progress({});
  assert.ok(onProgress);
  onProgress({ bytesDone: 0, bytesTotal: 2 }); // hashing starts
  const start = performance.now();
  while (performance.now() - start < 600) await new Promise((r) => setTimeout(r, 50));
  onProgress({ bytesDone: 1, bytesTotal: 2 });
  assert.match(sink.at(-1)!, /^\rHashing 1 B \/ 2 B \(50%\)/);
  const code = await ctx.report("Computing digest failed", () => Promise.reject(new Error("x")));
  assert.equal(code, 1);
  assert.deepEqual(sink.slice(-2), ["\r\x1b[K", "Computing digest failed: x\n"]);
});
