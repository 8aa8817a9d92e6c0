/**
 * The hashing progress line on standard error: bytes done / total, rate and
 * time left, redrawn in place a few times a second. Driven by the hashing
 * callbacks alone (no timer), so it never keeps the process alive. Written
 * here rather than with `cli-progress` (which renders through a Node stream
 * and its own timer): one line of text, and nothing added to start-up.
 *
 * @module
 */

import type { HashProgress } from "../api/hashing_config.ts";

/** Where and when the line is drawn. */
export interface ProgressOptions {
  /** Writes raw text to the terminal. */
  readonly write: (text: string) => void;
  /** Milliseconds clock (default `performance.now`). */
  readonly now?: () => number;
  /** Nothing is shown before this much time has passed (default 500 ms): short runs stay quiet. */
  readonly delayMs?: number;
  /** Least time between two redraws (default 250 ms). */
  readonly intervalMs?: number;
}

/** A progress display: feed it progress, clear it before other output. */
export interface ProgressDisplay {
  /** Records progress; redraws when due, and clears the line when all bytes are done. */
  update(progress: HashProgress): void;
  /** Removes the line if it is shown. */
  clear(): void;
}

/** `1.23 GB`: decimal units, as throughput is quoted. */
export function formatBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return i === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[i]}`;
}

/** `42 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor(s / 60) % 60).padStart(2, "0")} min`;
}

/** The text of the line, e.g. `Hashing 1.20 GB / 4.29 GB (28%), 1.25 GB/s, 2 s left`. */
export function progressText(progress: HashProgress, elapsedMs: number): string {
  const { bytesDone, bytesTotal } = progress;
  const percent = bytesTotal > 0 ? Math.floor((bytesDone * 100) / bytesTotal) : 100;
  const rate = elapsedMs > 0 ? (bytesDone * 1000) / elapsedMs : 0;
  const left = rate > 0 ? `, ${formatDuration((bytesTotal - bytesDone) / rate)} left` : "";
  return `Hashing ${formatBytes(bytesDone)} / ${formatBytes(bytesTotal)} (${percent}%), ` +
    `${formatBytes(rate)}/s${left}`;
}

/**
 * Creates a display; its clock starts at the first update of a hashing run (not before: a PIN
 * prompt may come between), and again when a new run begins.
 */
export function createProgressDisplay(options: ProgressOptions): ProgressDisplay {
  const now = options.now ?? (() => performance.now());
  const delay = options.delayMs ?? 500;
  const interval = options.intervalMs ?? 250;
  let started: number | undefined;
  let lastDraw = -Infinity;
  let lastDone = 0;
  let shown = false;
  const clear = () => {
    if (shown) options.write("\r\x1b[K");
    shown = false;
  };
  return {
    update(progress) {
      const t = now();
      // A new run (verify may hash again) restarts the clock.
      if (started === undefined || progress.bytesDone < lastDone) started = t;
      lastDone = progress.bytesDone;
      if (progress.bytesDone >= progress.bytesTotal) {
        clear();
        started = undefined;
        lastDone = 0;
        return;
      }
      if (t - started < delay || t - lastDraw < interval) return;
      lastDraw = t;
      shown = true;
      options.write(`\r${progressText(progress, t - started)}\x1b[K`);
    },
    clear,
  };
}
