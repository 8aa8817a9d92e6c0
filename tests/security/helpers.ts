/**
 * Helpers of the security tests: statements built
 * by hand (so tests can sign manifests no honest signer would write), and a
 * verification entry point that records whether any file was hashed.
 *
 * @module
 */

import { createHash, type KeyObject } from "node:crypto";
import * as nodePath from "node:path";
import type { HashAlgorithm } from "../../src/hashing/algorithms.ts";
import { SerialEngine } from "../../src/hashing/engine.ts";
import type { EngineOptions, HashJob } from "../../src/hashing/engine_types.ts";
import type { FileRef } from "../../src/hashing/file_range.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { publicKeyHint, signEcdsa } from "../../src/crypto/ec_keys.ts";
import { keyBundle, serializeBundle } from "../../src/format/bundle.ts";
import { pae } from "../../src/format/dsse.ts";
import { PAYLOAD_TYPE, PREDICATE_TYPE, STATEMENT_TYPE } from "../../src/format/statement.ts";
import type { ExpectedManifest } from "../../src/format/statement.ts";
import { EllipticKeyVerifier } from "../../src/methods/key/verifier.ts";
import { verifyModel } from "../../src/api/pipeline.ts";

/** SHA-256 hex of a string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** One resource of a hand-made statement. */
export interface Resource {
  name: string;
  algorithm: string;
  digest: string;
}

/** Root digest of §1.11 over resources in the given order. */
export function rootOf(resources: readonly Resource[]): string {
  const h = createHash("sha256");
  for (const r of resources) h.update(Buffer.from(r.digest, "hex"));
  return h.digest("hex");
}

/** Options of {@linkcode statementJson}. */
export interface StatementOptions {
  serialization?: Record<string, unknown>;
  /** Subject digest; default: the correct root digest. */
  root?: string;
}

/** A v1.0 statement object over `resources` (files + SHA-256 unless told otherwise). */
export function statementJson(
  resources: readonly Resource[],
  options: StatementOptions = {},
): Record<string, unknown> {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: "model", digest: { sha256: options.root ?? rootOf(resources) } }],
    predicateType: PREDICATE_TYPE,
    predicate: {
      serialization: options.serialization ??
        { method: "files", hash_type: "sha256", allow_symlinks: false },
      resources,
    },
  };
}

/** Signs raw payload bytes as a key bundle with `key` (valid signature over whatever is given). */
export function signPayload(
  key: KeyObject,
  payload: Uint8Array,
  payloadType: string = PAYLOAD_TYPE,
): Record<string, unknown> {
  const bundle = keyBundle(payload, signEcdsa(key, pae(payloadType, payload)), publicKeyHint(key));
  (bundle.dsseEnvelope as Record<string, unknown>).payloadType = payloadType;
  return bundle;
}

/** Signs a statement object (serialised with `JSON.stringify`). */
export function signStatement(key: KeyObject, statement: unknown): Record<string, unknown> {
  return signPayload(key, new TextEncoder().encode(JSON.stringify(statement)));
}

/** A hashing engine that records every job it is given, then hashes serially. */
export class RecordingEngine extends SerialEngine {
  /** Every path handed to the engine. */
  readonly paths: string[] = [];
  /** Runs before hashing (lets a test change the model between the walk and the reads). */
  beforeHash: (() => void) | undefined;

  /** @inheritdoc */
  override hashAll(
    jobs: readonly HashJob[],
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array[]> {
    this.paths.push(...jobs.map((j) => j.path));
    this.beforeHash?.();
    return super.hashAll(jobs, algorithm, options);
  }

  /** @inheritdoc (the walk runs to its end first, so that the hook runs between walk and reads) */
  override hashFiles(
    files: Iterable<FileRef>,
    algorithm: HashAlgorithm,
    options?: EngineOptions,
  ): Promise<Uint8Array> {
    const all = [...files];
    this.paths.push(...all.map((f) => f.path));
    this.beforeHash?.();
    return super.hashFiles(all, algorithm, options);
  }
}

/** Options of {@linkcode verifyBundle}. */
export interface VerifyBundleOptions {
  ignoreUnsignedFiles?: boolean;
  allowSymlinks?: boolean;
  engine?: RecordingEngine;
  /** Folder for the signature file (default: a fresh temporary folder outside the model). */
  signatureDir?: string;
}

/**
 * Writes `bundle` (object or raw bytes) outside the model and verifies
 * `model` against it with `publicKey` through the library pipeline.
 */
export async function verifyBundle(
  model: string,
  bundle: Record<string, unknown> | Uint8Array,
  publicKey: KeyObject,
  options: VerifyBundleOptions = {},
): Promise<ExpectedManifest> {
  const dir = options.signatureDir ?? Deno.makeTempDirSync({ prefix: "msig-sig-" });
  const sigPath = nodePath.join(dir, "model.sig");
  Deno.writeFileSync(sigPath, bundle instanceof Uint8Array ? bundle : serializeBundle(bundle));
  try {
    const hashing = new HashingConfig().setAllowSymlinks(options.allowSymlinks ?? false);
    if (options.engine) hashing.setEngine(options.engine);
    return await verifyModel(model, sigPath, new EllipticKeyVerifier(publicKey), {
      hashing,
      ignoreUnsignedFiles: options.ignoreUnsignedFiles,
    });
  } finally {
    if (!options.signatureDir) Deno.removeSync(dir, { recursive: true });
  }
}
