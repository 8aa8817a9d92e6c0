/**
 * What every command receives: output channels, the logger, progress display
 * and the one place where library errors become a single failure line.
 *
 * @module
 */

import { escapeForDisplay, ModelSigningError } from "../errors.ts";
import type { HashProgress } from "../api/hashing_config.ts";
import { type OptionValues, UsageError } from "./args.ts";
import type { CliIo, Logger } from "./io.ts";
import { createProgressDisplay, type ProgressDisplay } from "./progress.ts";

/** Per-run services of the CLI. */
export interface CliContext {
  /** Output channels. */
  readonly io: CliIo;
  /** Log lines on standard error. */
  readonly log: Logger;
  /** A progress callback for hashing, or `undefined` when progress is off (`--quiet`, no terminal). */
  progress(values: OptionValues): ((p: HashProgress) => void) | undefined;
  /**
   * Runs `action`; usage errors pass through; on a library error prints `<prefix>: <message>` and returns
   * 1, otherwise returns 0. Unexpected errors are reported the same way (one
   * line; the stack trace of an unexpected error only at DEBUG level).
   */
  report(prefix: string, action: () => Promise<void>): Promise<number>;
}

/**
 * An error's message, naming its file when the message does not: some keep
 * the Python tool's exact words ("Only elliptic curve keys are supported"),
 * which name none.
 */
function failureLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const path = e instanceof ModelSigningError ? (e as { path?: unknown }).path : undefined;
  if (typeof path !== "string" || path === "") return e.message;
  // Shown as the message shows names: control and invisible characters escaped.
  const shown = escapeForDisplay(path);
  return e.message.includes(shown) ? e.message : `${e.message} (file '${shown}')`;
}

/** Creates the context for one run. */
export function createContext(io: CliIo, log: Logger): CliContext {
  let display: ProgressDisplay | undefined;
  return {
    io,
    log,
    progress(values) {
      if (values.quiet === true || !io.stderrIsTerminal) return undefined;
      display ??= createProgressDisplay({ write: (text) => io.errRaw(text) });
      return (p) => display!.update(p);
    },
    async report(prefix, action) {
      try {
        await action();
        return 0;
      } catch (e) {
        // The failure line must not land on the end of a progress line.
        display?.clear();
        if (e instanceof UsageError) throw e;
        log.log("CRITICAL", `${prefix}: ${failureLine(e)}`);
        // A non-library error is a bug of ours: keep its trace for --log-level DEBUG.
        if (!(e instanceof ModelSigningError) && e instanceof Error) {
          log.log("DEBUG", e.stack ?? "");
        }
        return 1;
      }
    },
  };
}
