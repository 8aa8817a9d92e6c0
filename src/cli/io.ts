/**
 * Where the CLI writes: standard output for results, standard error for log
 * lines filtered by `--log-level`. Injectable so tests can capture output.
 *
 * @module
 */

/** Log levels of `--log-level`, lowest first. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] as const;

/** One log level. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Output channels of one CLI run. */
export interface CliIo {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes raw text to standard error (progress lines). */
  errRaw(text: string): void;
  /** True when standard error is a terminal (progress display). */
  readonly stderrIsTerminal: boolean;
}

/** The process's real standard streams. */
export function processIo(): CliIo {
  const enc = new TextEncoder();
  return {
    out: (line) => void Deno.stdout.writeSync(enc.encode(line + "\n")),
    errRaw: (text) => void Deno.stderr.writeSync(enc.encode(text)),
    stderrIsTerminal: Deno.stderr.isTerminal(),
  };
}

/** A logger writing bare messages to standard error at or above a level. */
export class Logger {
  readonly #io: CliIo;
  readonly #min: number;

  /** @param io Output channels. @param level Lowest level shown. */
  constructor(io: CliIo, level: LogLevel = "INFO") {
    this.#io = io;
    this.#min = LOG_LEVELS.indexOf(level);
  }

  /** Logs at `level`. */
  log(level: LogLevel, message: string): void {
    if (LOG_LEVELS.indexOf(level) >= this.#min) this.#io.errRaw(message + "\n");
  }

  /** Logs at INFO. */
  info(message: string): void {
    this.log("INFO", message);
  }

  /** Logs at WARNING. */
  warning(message: string): void {
    this.log("WARNING", message);
  }

  /** Logs at ERROR: final failure lines, always shown unless the level is CRITICAL. */
  error(message: string): void {
    this.log("ERROR", message);
  }
}
