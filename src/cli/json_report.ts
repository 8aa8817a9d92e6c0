/**
 * The `--json` result of `sign` and `verify`: one JSON object on standard
 * output with stable, documented field names (README "Machine-readable
 * results"). Exit statuses do not change; human messages stay on stderr.
 *
 * @module
 */

import { ManifestMismatchError, ModelSigningError } from "../errors.ts";
import type { SignerInfo } from "../format/contracts.ts";

/** The fields of the `--json` object; absent values are `null`. */
export interface JsonReport {
  /** `sign` or `verify`. */
  command: "sign" | "verify";
  /** `success` or `failure`. */
  outcome: "success" | "failure";
  /** The method word: `key`, `certificate`, `sigstore`, … */
  method: string;
  /** The signature file written or checked. */
  signature: string;
  /** The model path, or `null` with `--oci-manifest`. */
  model: string | null;
  /** The OCI manifest file, or `null`. */
  ociManifest: string | null;
  /** Who signed (fields per method), or `null` when not known. */
  signer: SignerInfo | null;
  /** `sha256:<hex>` root digest of the signed manifest, or `null`. */
  rootDigest: string | null;
  /** File counts; only those that apply are present. */
  files: {
    signed?: number;
    checked?: number;
    reused?: number;
    hashed?: number;
    bytesReused?: number;
    bytesHashed?: number;
  };
  /** On failure: the error code, the one-line message, and full mismatch lists. */
  error: {
    code: string;
    message: string;
    extra: readonly string[];
    missing: readonly string[];
    changed: readonly string[];
  } | null;
}

/** A report with everything unknown. */
export function emptyReport(
  command: JsonReport["command"],
  method: string,
  signature: string,
  model: string | undefined,
  ociManifest: string | undefined,
): JsonReport {
  return {
    command,
    outcome: "failure",
    method,
    signature,
    model: model ?? null,
    ociManifest: ociManifest ?? null,
    signer: null,
    rootDigest: null,
    files: {},
    error: null,
  };
}

/** The `error` member for a failure. */
export function errorMember(e: unknown): NonNullable<JsonReport["error"]> {
  const mismatch = e instanceof ManifestMismatchError;
  return {
    code: e instanceof ModelSigningError ? e.code : "INTERNAL",
    message: e instanceof Error ? e.message : String(e),
    extra: mismatch ? e.extra : [],
    missing: mismatch ? e.missing : [],
    changed: mismatch ? e.changed : [],
  };
}
