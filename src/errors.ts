/**
 * Typed errors. Every failure the library can report is one of these classes,
 * each carrying the path or field it concerns, so the CLI can print one line
 * and callers can branch on {@linkcode ModelSigningError.code}.
 *
 * @module
 */

/** Stable machine-readable error codes. */
export type ErrorCode =
  | "MODEL_PATH"
  | "CONFIG"
  | "KEY"
  | "CERTIFICATE"
  | "BUNDLE"
  | "SIGNATURE"
  | "PAYLOAD"
  | "MISMATCH"
  | "IDENTITY"
  | "SIGSTORE"
  | "PKCS11"
  | "TIMESTAMP"
  | "OUTPUT";

/**
 * Messages quote untrusted text (signed names, file names, bundle fields).
 * Escaped as `\uXXXX` (`\u{XXXXX}` beyond the BMP): controls (C0, C1),
 * format characters (bidi overrides such as U+202E, zero-width ones such as
 * U+200B), unpaired surrogates, private-use and unassigned code points,
 * line and paragraph separators, and combining marks, so that every message
 * is one line, cannot drive a terminal or reorder what is shown, and NFC/NFD
 * twins differ (`é` vs `e\u0301`).
 */
export function escapeForDisplay(text: string): string {
  return text.replace(/[\p{C}\p{M}\p{Zl}\p{Zp}]/gu, (c) => {
    const cp = c.codePointAt(0)!;
    return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, "0")}`;
  });
}

/** Base class of every error raised by model-signing. */
export class ModelSigningError extends Error {
  /** Machine-readable kind of failure. */
  readonly code: ErrorCode;

  /**
   * Creates the error.
   * @param code Kind of failure.
   * @param message Human-readable, one line.
   * @param options Optional cause.
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(escapeForDisplay(message), options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A model path or a file inside the model cannot be used (missing, special, symlink, unreadable). */
export class ModelPathError extends ModelSigningError {
  /** The path as the user would recognise it. */
  readonly path: string;
  /**
   * Creates the error.
   * @param path Offending path.
   * @param message Full message.
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("MODEL_PATH", message, options);
    this.path = path;
  }
}

/** An option or configuration value is invalid (shard size, algorithm, worker count…). */
export class ConfigError extends ModelSigningError {
  /** The option or setting concerned. */
  readonly option: string;
  /**
   * Creates the error.
   * @param option Option name.
   * @param message Full message.
   */
  constructor(option: string, message: string) {
    super("CONFIG", message);
    this.option = option;
  }
}

/** A key file cannot be read, parsed, or is of an unsupported type or curve. */
export class KeyError extends ModelSigningError {
  /** The key file, when there is one. */
  readonly path?: string;
  /**
   * Creates the error.
   * @param message Full message.
   * @param path Key file.
   */
  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super("KEY", message, options);
    this.path = path;
  }
}

/** A certificate cannot be parsed, or the chain does not validate. */
export class CertificateError extends ModelSigningError {
  /**
   * Creates the error.
   * @param message Full message.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("CERTIFICATE", message, options);
  }
}

/** The signature file (bundle) is malformed: wrong JSON, type, media type or field. */
export class BundleFormatError extends ModelSigningError {
  /** Dotted path of the offending field, e.g. `dsseEnvelope.signatures[0].sig`. */
  readonly field: string;
  /**
   * Creates the error.
   * @param field Offending field.
   * @param message Full message.
   */
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super("BUNDLE", message, options);
    this.field = field;
  }
}

/** The cryptographic signature does not verify. */
export class SignatureError extends ModelSigningError {
  /**
   * Creates the error.
   * @param message Full message.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIGNATURE", message, options);
  }
}

/** The signed payload (in-toto statement) is not what the format requires. */
export class PayloadError extends ModelSigningError {
  /** Offending field of the statement. */
  readonly field: string;
  /**
   * Creates the error.
   * @param field Offending field.
   * @param message Full message.
   */
  constructor(field: string, message: string) {
    super("PAYLOAD", message);
    this.field = field;
  }
}

/**
 * The model on disk differs from the signed manifest. The message shows the
 * first names of each list; the fields hold the full lists.
 */
export class ManifestMismatchError extends ModelSigningError {
  /** Names present locally but not signed. */
  readonly extra: readonly string[];
  /** Names signed but not present locally. */
  readonly missing: readonly string[];
  /** Names present in both with different algorithm or digest. */
  readonly changed: readonly string[];
  /**
   * Creates the error.
   * @param message Full report.
   * @param diff The three lists of names.
   */
  constructor(
    message: string,
    diff: { extra: readonly string[]; missing: readonly string[]; changed: readonly string[] },
  ) {
    super("MISMATCH", message);
    this.extra = diff.extra;
    this.missing = diff.missing;
    this.changed = diff.changed;
  }
}

/** A keyless signature was made by another identity or issuer than expected. */
export class IdentityError extends ModelSigningError {
  /**
   * Creates the error.
   * @param message Full message.
   */
  constructor(message: string) {
    super("IDENTITY", message);
  }
}

/** Talking to or verifying against a Sigstore instance failed. */
export class SigstoreError extends ModelSigningError {
  /**
   * Creates the error.
   * @param message Full message.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("SIGSTORE", message, options);
  }
}

/**
 * A PKCS #11 URI, module, token, login or key cannot be used. Messages never
 * contain the PIN or the URI's query (which may carry it).
 */
export class Pkcs11Error extends ModelSigningError {
  /** The PKCS #11 return value (`CKR_*`) when a module call failed. */
  readonly ckr?: number;
  /**
   * Creates the error.
   * @param message Full message.
   * @param ckr The `CKR_*` value of the failed call.
   */
  constructor(message: string, ckr?: number) {
    super("PKCS11", message);
    this.ckr = ckr;
  }
}

/**
 * An RFC 3161 timestamp could not be obtained at signing (the TSA is unreachable or answers
 * wrongly), or a timestamp in a signature does not verify, or one was required and is missing.
 */
export class TimestampError extends ModelSigningError {
  /**
   * Creates the error.
   * @param message Full message (at verification: `timestamp N: reason`).
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("TIMESTAMP", message, options);
  }
}

/** Writing an output file (the signature) failed. */
export class OutputError extends ModelSigningError {
  /** The file that could not be written. */
  readonly path: string;
  /**
   * Creates the error.
   * @param path Output file.
   * @param message Full message.
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("OUTPUT", message, options);
    this.path = path;
  }
}
