/**
 * Writes a file so that readers see the old content or the complete new
 * content, never a part: a temporary file beside the target, then a rename.
 * Nothing is left behind when writing fails or the process is interrupted.
 *
 * @module
 */

import * as nodePath from "node:path";
import { OutputError } from "../errors.ts";
import { fsErrorReason } from "../util/fs_errors.ts";

/**
 * Atomically replaces `path` with `data`.
 *
 * @throws {OutputError} naming `path` when the directory is not writable or the disk is full.
 */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const dir = nodePath.dirname(nodePath.resolve(path));
  const temp = nodePath.join(dir, `.${nodePath.basename(path)}.${crypto.randomUUID()}.tmp`);
  const cleanUp = () => {
    try {
      Deno.removeSync(temp);
    } catch {
      // Already gone.
    }
  };
  // SIGINT between creating and renaming the temporary file must not leave it behind.
  const onSignal = () => {
    cleanUp();
    Deno.exit(130);
  };
  const signals = Deno.build.os === "windows" ? [] : ["SIGINT", "SIGTERM"] as const;
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    const file = Deno.openSync(temp, { write: true, createNew: true, mode: 0o644 });
    try {
      let written = 0;
      while (written < data.length) written += file.writeSync(data.subarray(written));
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
      for (const s of signals) Deno.removeSignalListener(s, onSignal);
    }, 50));
  }
}
