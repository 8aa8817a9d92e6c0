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

/** What a child run with `isolatedEnv` still inherits: where Deno and its cache are. */
const INHERITED = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "NPM_CONFIG_REGISTRY"];

/**
 * Runs `model_signing ARGS…` in `cwd` (default: repository root), with all
 * permissions unless `permissions` lists the flags to grant. With
 * `isolatedEnv` the child sees only `env` and the variables Deno itself
 * needs, so the host's CI variables cannot leak into the test.
 */
export async function runCli(
  args: string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    permissions?: string[];
    isolatedEnv?: boolean;
  } = {},
): Promise<CliResult> {
  const inherited = options.isolatedEnv
    ? Object.fromEntries(INHERITED.flatMap((n) => Deno.env.get(n) ? [[n, Deno.env.get(n)!]] : []))
    : {};
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.permissions ?? ["--allow-all"]), "--quiet", MAIN, ...args],
    cwd: options.cwd ?? ROOT,
    clearEnv: options.isolatedEnv === true,
    env: { ...inherited, NO_COLOR: "1", ...options.env },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
