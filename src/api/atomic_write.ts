/**
 * Writes a file so that readers see the old content or the complete new
 * content, never a part: a temporary file beside the target, then a rename.
 * Nothing is left behind when writing fails or the process is interrupted
 * (by any signal that can be handled).
 *
 * @module
 */

import * as nodePath from "node:path";
import { constants as osConstants } from "node:os";
import { OutputError } from "../errors.ts";
import { fsErrorReason } from "../util/fs_errors.ts";

/**
 * Signals that end the process by default and that Deno lets a program
 * handle. Left out: SIGPIPE (ignored by Deno: a closed pipe is an error
 * return, not a signal death), faults (SIGBUS, SIGSEGV, SIGILL, SIGFPE,
 * SIGTRAP, SIGSYS, SIGABRT) and SIGKILL/SIGSTOP, which nobody can catch.
 */
export const TERMINATING_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows" ? [] : [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGALRM",
  "SIGVTALRM",
  "SIGPROF",
  "SIGXCPU",
  "SIGXFSZ",
];

/**
 * Atomically replaces `path` with `data`, given whole or in chunks (each
 * written before the next is requested).
 *
 * @throws {OutputError} naming `path` when the directory is not writable or the disk is full.
 */
export function writeFileAtomic(path: string, data: Uint8Array | Iterable<Uint8Array>): void {
  const dir = nodePath.dirname(nodePath.resolve(path));
  const temp = nodePath.join(dir, `.${nodePath.basename(path)}.${crypto.randomUUID()}.tmp`);
  const cleanUp = () => {
    try {
      Deno.removeSync(temp);
    } catch {
      // Already gone.
    }
  };
  // A signal between creating and renaming the temporary file must not leave
  // it behind: every terminating signal Deno lets us handle is caught and
  // re-reported as the shell would (exit 128 + signal number).
  const listeners = new Map<Deno.Signal, () => void>();
  for (const s of TERMINATING_SIGNALS) {
    const onSignal = () => {
      cleanUp();
      Deno.exit(128 + ((osConstants.signals as Record<string, number | undefined>)[s] ?? 0));
    };
    try {
      Deno.addSignalListener(s, onSignal);
      listeners.set(s, onSignal);
    } catch {
      // Not on this OS.
    }
  }
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true, mode: 0o644 });
    try {
      for (const chunk of data instanceof Uint8Array ? [data] : data) {
        let written = 0;
        while (written < chunk.length) written += file.writeSync(chunk.subarray(written));
      }
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(temp, path);
  } catch (e) {
    cleanUp();
    const reason = fsErrorReason(e);
    throw new OutputError(path, `Cannot write signature '${path}': ${reason}`, { cause: e });
  } finally {
    // The write is synchronous, so a signal that arrived during it is
    // delivered only when the event loop runs again: keep listening a little
    // longer (a 0 ms timer can fire first under load), or the interrupt
    // would be lost. The file is complete by then, so the listener's
    // clean-up finds nothing to remove. The timer never delays exit.
    Deno.unrefTimer(setTimeout(() => {
      for (const [s, onSignal] of listeners) Deno.removeSignalListener(s, onSignal);
    }, 50));
  }
}
