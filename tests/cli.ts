/**
 * Runs the real CLI (`main.ts`) in a child Deno process, so that exit codes,
 * the working directory and output streams are those a user sees.
 *
 * @module
 */

import * as nodePath from "node:path";

/** Repository root. */
export const ROOT = nodePath.resolve(import.meta.dirname!, "..");
/** The CLI entry point. */
export const MAIN = nodePath.join(ROOT, "main.ts");

/** Result of one CLI run. */
export interface CliResult {
  /** Exit status. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/**
 * Runs `model_signing ARGS…` in `cwd` (default: repository root), with all
 * permissions unless `permissions` lists the flags to grant.
 */
export async function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; permissions?: string[] } = {},
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["--allow-all"]), "--quiet", MAIN, ...args],
    cwd: options.cwd ?? ROOT,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
