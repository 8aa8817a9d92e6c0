/**
 * Command-line parsing on `node:util` `parseArgs`: the `_`→`-` spelling rule
 * of §7.1, `--help` at every level, and usage errors (exit status 2).
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One option of a command, as `parseArgs` takes it plus help text. */
export interface OptionSpec {
  /** `string` takes a value, `boolean` is a flag (with a `--no-` form when `negatable`). */
  readonly type: "string" | "boolean";
  /** Repeatable: one value per occurrence. */
  readonly multiple?: boolean;
  /** Accept `--no-<name>` to turn the flag off. */
  readonly negatable?: boolean;
  /** Placeholder shown in help, e.g. `PATH`. */
  readonly metavar?: string;
  /** One-line description for help. */
  readonly help: string;
}

/** A command's options by long name (hyphenated). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed values: strings, string arrays for repeatable options, booleans for flags. */
export type OptionValues = Record<string, string | string[] | boolean | undefined>;

/** A usage error: bad or missing options. The CLI prints it with usage help and exits 2. */
export class UsageError extends Error {
  /** Usage line of the command concerned. */
  readonly usage: string;
  /** @param message What is wrong. @param usage The command's usage line. */
  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}

/** Thrown to stop after printing help; exit status 0. */
export class HelpRequested extends Error {
  /** The full help text to print. */
  readonly text: string;
  /** @param text Help text. */
  constructor(text: string) {
    super("help requested");
    this.name = "HelpRequested";
    this.text = text;
  }
}

/**
 * Applies the §7.1 spelling rule: in every option token (`--name` or
 * `--name=value`) `_` becomes `-` in the name; values are not touched.
 * Tokens after `--` are left alone.
 */
export function normalizeOptionTokens(args: readonly string[]): string[] {
  const out: string[] = [];
  let options = true;
  for (const arg of args) {
    if (arg === "--") options = false;
    if (options && arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      out.push(
        eq === -1
          ? arg.replaceAll("_", "-")
          : arg.slice(0, eq).replaceAll("_", "-") + arg.slice(eq),
      );
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Description of a command for parsing and help. */
export interface CommandSpec {
  /** Usage line, e.g. `model_signing digest [OPTIONS] MODEL_PATH`. */
  readonly usage: string;
  /** Paragraph(s) shown under the usage line. */
  readonly description: string;
  /** The options. */
  readonly options: OptionSpecs;
  /** Number of positional arguments (the most, when `minPositionals` is given). */
  readonly positionals: number;
  /** The fewest positional arguments (default: `positionals`). */
  readonly minPositionals?: number;
}

/** Renders a command's help text. */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    const flag = o.type === "boolean"
      ? (o.negatable ? `--${name} / --no-${name}` : `--${name}`)
      : `--${name} ${o.metavar ?? "TEXT"}`;
    return [flag, o.help + (o.multiple ? " (repeatable)" : "")] as const;
  });
  rows.push(["-h, --help", "Show this message and exit."]);
  const width = Math.max(...rows.map(([f]) => f.length)) + 2;
  const lines = rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`);
  return `Usage: ${spec.usage}\n\n${spec.description}\n\nOptions:\n${lines.join("\n")}\n`;
}

/**
 * Parses `args` against `spec`.
 *
 * @throws {HelpRequested} when `-h`/`--help` appears before `--`.
 * @throws {UsageError} for unknown options, missing values, wrong positional count.
 */
export function parseCommand(
  args: readonly string[],
  spec: CommandSpec,
): { values: OptionValues; positionals: string[] } {
  const normalized = normalizeOptionTokens(args);
  const end = normalized.indexOf("--");
  const head = end === -1 ? normalized : normalized.slice(0, end);
  if (head.includes("-h") || head.includes("--help")) throw new HelpRequested(helpText(spec));
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] = { type: o.type, multiple: o.multiple ?? false };
  }
  let parsed;
  try {
    parsed = parseArgs(
      {
        args: normalized,
        options,
        allowPositionals: true,
        allowNegative: true,
        strict: true,
      } as Parameters<typeof parseArgs>[0] & { allowNegative: boolean },
    );
  } catch (e) {
    throw new UsageError((e as Error).message, spec.usage);
  }
  const values = parsed.values as OptionValues;
  for (const [name, o] of Object.entries(spec.options)) {
    if (o.type === "boolean" && !o.negatable && values[name] === false) {
      throw new UsageError(`Unknown option '--no-${name}'`, spec.usage);
    }
  }
  const n = parsed.positionals.length;
  if (n > spec.positionals || n < (spec.minPositionals ?? spec.positionals)) {
    const msg = n < spec.positionals
      ? "Missing argument 'MODEL_PATH'."
      : `Got unexpected extra argument (${parsed.positionals.slice(spec.positionals).join(" ")})`;
    throw new UsageError(msg, spec.usage);
  }
  return { values, positionals: parsed.positionals };
}

/** A required string option, or a usage error naming it. */
export function requireString(values: OptionValues, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== "string") throw new UsageError(`Missing option '--${name}'.`, usage);
  return v;
}
