/**
 * Entry of the command line: global options (`--log-level`, `--version`,
 * `--help`) and dispatch to `digest`, `sign` and `verify`. Exit status: 0
 * success, 1 operation failed, 2 usage error.
 *
 * @module
 */

import { HelpRequested, UsageError } from "./args.ts";
import { type CliContext, createContext } from "./context.ts";
import { type CliIo, LOG_LEVELS, Logger, type LogLevel, processIo } from "./io.ts";
import { PROGRAM, VERSION } from "./version.ts";
import { inSpan, telemetryEnabled } from "../util/telemetry.ts";

/** Method names recorded on the command's span. */
const SPAN_METHODS = ["key", "certificate", "sigstore", "pkcs11-key", "pkcs11-certificate"];

const USAGE = `${PROGRAM} [--log-level LEVEL] [--version] [-h] COMMAND [ARGS]...`;

const HELP = `Usage: ${USAGE}

Sign and verify machine-learning models in the OpenSSF model_signing format.

Options:
  --log-level LEVEL  DEBUG, INFO, WARNING, ERROR or CRITICAL (default: INFO)
  --version          Show the version and exit.
  -h, --help         Show this message and exit.

Commands:
  digest  Compute the digest of a model.
  sign    Sign a model (methods: sigstore, key, certificate, pkcs11-key, pkcs11-certificate).
  verify  Verify a model's signature (methods: sigstore, key, certificate).

Run '${PROGRAM} COMMAND --help' for a command's options.
`;

type Command = (args: readonly string[], ctx: CliContext) => Promise<number>;

// Loaded on demand so that --help and --version start without the hashing and
// crypto modules (and never load the Sigstore packages). Static specifiers keep
// them visible to `deno compile` and to remote runs.
const COMMANDS: Record<string, () => Promise<Command>> = {
  digest: async () => (await import("./digest.ts")).digestCommand,
  sign: async () => (await import("./sign.ts")).signCommand,
  verify: async () => (await import("./verify.ts")).verifyCommand,
};

/**
 * Runs the CLI with `args` (without the program name) and returns the exit status.
 *
 * @param io Output channels; the process's streams by default.
 */
export async function run(args: readonly string[], io: CliIo = processIo()): Promise<number> {
  let level: LogLevel = "INFO";
  let i = 0;
  try {
    for (; i < args.length && args[i].startsWith("-"); i++) {
      const arg = args[i].replaceAll("_", "-");
      if (arg === "--version") {
        io.out(`${PROGRAM}, version ${VERSION}`);
        return 0;
      }
      if (arg === "-h" || arg === "--help") {
        io.out(HELP.trimEnd());
        return 0;
      }
      const value = arg === "--log-level"
        ? args[++i]
        : arg.startsWith("--log-level=")
        ? arg.slice(12)
        : undefined;
      if (value === undefined) {
        throw new UsageError(
          arg === "--log-level"
            ? "Option '--log-level <value>' argument missing"
            : `No such option: ${args[i]}`,
          USAGE,
        );
      }
      const upper = value.toUpperCase();
      if (!(LOG_LEVELS as readonly string[]).includes(upper)) {
        throw new UsageError(
          `Invalid value for '--log-level': '${value}' is not one of ${LOG_LEVELS.join(", ")}.`,
          USAGE,
        );
      }
      level = upper as LogLevel;
    }
    const name = args[i];
    if (name === undefined) throw new UsageError("Missing command.", USAGE);
    const load = COMMANDS[name.replaceAll("_", "-")];
    if (!load) throw new UsageError(`No such command '${name}'.`, USAGE);
    const command = await load();
    const rest = args.slice(i + 1);
    const context = createContext(io, new Logger(io, level));
    if (!telemetryEnabled()) return await command(rest, context);
    // The method word after the command (`sign key …`); anything else may be a model path.
    const method = SPAN_METHODS.includes(rest[0]) ? rest[0] : "";
    return await inSpan(
      `model_signing ${name}`,
      { "model_signing.command": name, "model_signing.method": method },
      async (span) => {
        const status = await command(rest, context);
        span.set({ "model_signing.exit_status": status });
        return status;
      },
    );
  } catch (e) {
    if (e instanceof HelpRequested) {
      io.out(e.text.trimEnd());
      return 0;
    }
    if (e instanceof UsageError) {
      io.errRaw(`Usage: ${e.usage}\nTry '${PROGRAM} --help' for help.\n\nError: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
