/**
 * OpenSSF model-signing conformance adapter: translates the conformance
 * protocol's `sign-model` / `verify-model` calls into this tool's CLI.
 *
 * ```
 * sign-model --method key|certificate|sigstore --model-path P --output-bundle F
 *   [--private-key K] [--signing-cert C] [--cert-chain C]… [--ignore-paths ABS]…
 *   [--identity-token T] [--use-staging] [--trust-config F]
 * verify-model --method key|certificate|sigstore --model-path P --bundle F
 *   [--public-key K] [--cert-chain C]… [--ignore-paths ABS]… [--ignore-unsigned-files]
 *   [--identity I] [--identity-provider U] [--use-staging] [--trust-config F]
 *   [--signing-cert C (ignored)]
 * ```
 *
 * `--trust-config` (a Sigstore ClientTrustConfig) is an extension of the
 * protocol for private Sigstore instances, as the CLI offers it.
 *
 * Exit status 0 on success, non-zero on any failure. Never reads standard input.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type CliIo, processIo } from "../src/cli/io.ts";
import { run } from "../src/cli/main.ts";

const COMMON = {
  method: { type: "string" },
  "model-path": { type: "string" },
  "ignore-paths": { type: "string", multiple: true },
  "cert-chain": { type: "string", multiple: true },
  "use-staging": { type: "boolean" },
  "trust-config": { type: "string" },
  "signing-cert": { type: "string" },
} as const;

const SIGN = {
  ...COMMON,
  "output-bundle": { type: "string" },
  "private-key": { type: "string" },
  "identity-token": { type: "string" },
} as const;

const VERIFY = {
  ...COMMON,
  bundle: { type: "string" },
  "public-key": { type: "string" },
  "ignore-unsigned-files": { type: "boolean" },
  identity: { type: "string" },
  "identity-provider": { type: "string" },
} as const;

type Values = Record<string, string | string[] | boolean | undefined>;

/** `--name value` pairs for the options present in `values`. */
function pass(values: Values, mapping: Record<string, string>): string[] {
  const out: string[] = [];
  for (const [from, to] of Object.entries(mapping)) {
    const v = values[from];
    if (v === true) out.push(`--${to}`);
    else if (typeof v === "string") out.push(`--${to}`, v);
    else if (Array.isArray(v)) { for (const item of v) out.push(`--${to}`, item); }
  }
  return out;
}

function required(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== "string") throw new Error(`missing --${name}`);
  return v;
}

/** Translates one adapter call into CLI arguments. */
export function translate(args: string[]): string[] {
  const [command, ...rest] = args;
  if (command === "sign-model") {
    const { values } = parseArgs({ args: rest, options: SIGN, strict: true });
    const method = required(values, "method");
    const byMethod: Record<string, Record<string, string>> = {
      key: { "private-key": "private-key" },
      certificate: {
        "private-key": "private-key",
        "signing-cert": "signing-certificate",
        "cert-chain": "certificate-chain",
      },
      sigstore: {
        "identity-token": "identity-token",
        "use-staging": "use-staging",
        "trust-config": "trust-config",
      },
    };
    if (!byMethod[method]) throw new Error(`unknown method '${method}'`);
    return [
      "sign",
      method,
      "--quiet",
      "--signature",
      required(values, "output-bundle"),
      ...pass(values, { "ignore-paths": "ignore-paths", ...byMethod[method] }),
      required(values, "model-path"),
    ];
  }
  if (command === "verify-model") {
    const { values } = parseArgs({ args: rest, options: VERIFY, strict: true });
    const method = required(values, "method");
    const byMethod: Record<string, Record<string, string>> = {
      key: { "public-key": "public-key" },
      certificate: { "cert-chain": "certificate-chain" },
      sigstore: {
        identity: "identity",
        "identity-provider": "identity-provider",
        "use-staging": "use-staging",
        "trust-config": "trust-config",
      },
    };
    if (!byMethod[method]) throw new Error(`unknown method '${method}'`);
    return [
      "verify",
      method,
      "--quiet",
      "--signature",
      required(values, "bundle"),
      ...pass(values, {
        "ignore-paths": "ignore-paths",
        "ignore-unsigned-files": "ignore-unsigned-files",
        ...byMethod[method],
      }),
      required(values, "model-path"),
    ];
  }
  throw new Error(`unknown command '${command ?? ""}': expected sign-model or verify-model`);
}

/** Runs the adapter with `args` and returns the exit status (2: arguments it cannot translate). */
export async function adapterMain(args: string[], io: CliIo = processIo()): Promise<number> {
  let cliArgs: string[];
  try {
    cliArgs = translate(args);
  } catch (e) {
    io.errRaw(`conformance-adapter: ${(e as Error).message}\n`);
    return 2;
  }
  return await run(cliArgs, io);
}

if (import.meta.main) Deno.exit(await adapterMain(Deno.args));
