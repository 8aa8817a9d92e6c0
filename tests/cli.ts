/**
 * Runs the CLI for tests: in this process through `run(args, io)` (fast: no
 * start-up, modules already loaded), or as `main.ts` in a child Deno process
 * where the working directory, environment, permissions or the exit of the
 * real process are the point.
 *
 * @module
 */

import * as nodePath from "node:path";
import { run } from "../src/cli/main.ts";

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

/**
 * Runs `model_signing ARGS…` in this process with captured output. Relative
 * paths resolve against this process's directory (the repository root under
 * `deno task test`); use {@linkcode runCli} for another directory.
 */
export async function runInProcess(args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    out: (line) => void (stdout += line + "\n"),
    errRaw: (text) => void (stderr += text),
    stderrIsTerminal: false,
  });
  return { code, stdout, stderr };
}

/**
 * Runs `script` in a fresh child (`deno eval`, working directory `cwd`, all
 * permissions) and returns its trimmed standard output: how a test sees what
 * one run loaded or compiled. `%MOD%` in `script` stands for the library's
 * URL, quoted. A child that fails throws with its standard error.
 */
export async function childOutput(script: string, cwd: string): Promise<string> {
  const mod = JSON.stringify(`file://${nodePath.join(ROOT, "mod.ts")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script.replaceAll("%MOD%", mod)],
    cwd,
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`child failed: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout).trim();
}

/** Code for {@linkcode childOutput} that runs the CLI in-process with `args`, output dropped. */
export function runCliCode(args: string[]): string {
  const main = JSON.stringify(`file://${nodePath.join(ROOT, "src", "cli", "main.ts")}`);
  return `{ const { run } = await import(${main});
    await run(${
    JSON.stringify(args)
  }, { out: () => {}, errRaw: () => {}, stderrIsTerminal: false }); }`;
}

/** `sign key --private-key KEY --signature SIGNATURE …REST`: REST is options and the model path. */
export function signKeyArgs(key: string, signature: string, ...rest: string[]): string[] {
  return ["sign", "key", "--private-key", key, "--signature", signature, ...rest];
}

/** `verify key --public-key PUB --signature SIGNATURE …REST`: REST is options and the model path. */
export function verifyKeyArgs(pub: string, signature: string, ...rest: string[]): string[] {
  return ["verify", "key", "--public-key", pub, "--signature", signature, ...rest];
}
