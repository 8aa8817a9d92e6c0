/**
 * Reading an OCI image manifest file (or an image index with the name of one
 * of its manifests) into a model manifest for signing or verifying without
 * the blobs. See src/manifest/oci.ts for the mapping.
 *
 * @example
 * ```ts
 * import { ociManifest } from "./oci.ts";
 * import { SigningConfig } from "./signing_config.ts";
 * await new SigningConfig()
 *   .useEllipticKeySigner({ privateKey: "key.pem" })
 *   .signManifest(ociManifest("manifest.json"), "model.sig");
 * ```
 *
 * @module
 */

import { createHash } from "node:crypto";
import * as nodePath from "node:path";
import { ModelPathError } from "../errors.ts";
import { findDuplicateKey } from "../format/strict_json.ts";
import type { Manifest } from "../manifest/manifest.ts";
import { indexManifests, isOciIndex, manifestFromOci } from "../manifest/oci.ts";
import { readInputFile } from "../util/input_file.ts";

/** Largest manifest or index file read: real ones are a few KiB. */
export const MAX_OCI_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Options of {@linkcode ociManifest}. */
export interface OciManifestOptions {
  /**
   * When the file is an image index (e.g. `index.json` of an OCI image
   * layout): the digest (`sha256:<hex>`) of the manifest to use. It is read
   * from `blobs/sha256/<hex>` beside the index and must have that digest.
   */
  readonly indexManifest?: string;
}

function readBounded(path: string): Uint8Array {
  return readInputFile(path, {
    what: "OCI manifest",
    maxBytes: MAX_OCI_MANIFEST_BYTES,
    error: (message, cause) => new ModelPathError(path, message, { cause }),
  });
}

function parseJson(bytes: Uint8Array, path: string): unknown {
  let text: string;
  let json: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelPathError(path, `OCI manifest '${path}' is not valid JSON.`, { cause: e });
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    throw new ModelPathError(path, `OCI manifest '${path}' has the member '${duplicate}' twice.`);
  }
  return json;
}

/**
 * Reads the OCI image manifest at `path` as a model manifest named after the
 * file without its extension (the Go port's name).
 *
 * @throws {ModelPathError} for an unreadable, oversized or malformed manifest
 *   (see `manifestFromOci`), an index without `indexManifest`, or a named
 *   manifest the index does not list or whose blob has another digest.
 */
export function ociManifest(path: string, options: OciManifestOptions = {}): Manifest {
  const modelName = nodePath.parse(path).name;
  const json = parseJson(readBounded(path), path);
  if (!isOciIndex(json)) {
    if (options.indexManifest !== undefined) {
      throw new ModelPathError(path, `'${path}' is an image manifest, not an index.`);
    }
    return manifestFromOci(json, modelName, path);
  }
  const wanted = options.indexManifest;
  if (wanted === undefined) {
    throw new ModelPathError(
      path,
      `'${path}' is an OCI image index: name one of its manifests with --oci-index-manifest DIGEST.`,
    );
  }
  const listed = indexManifests(json, path).some((m) => m.digest === wanted);
  if (!listed || !/^sha256:[0-9a-f]{64}$/.test(wanted)) {
    throw new ModelPathError(path, `OCI index '${path}' lists no manifest '${wanted}'.`);
  }
  const blob = nodePath.join(nodePath.dirname(path), "blobs", "sha256", wanted.slice(7));
  const bytes = readBounded(blob);
  if (`sha256:${createHash("sha256").update(bytes).digest("hex")}` !== wanted) {
    throw new ModelPathError(blob, `OCI manifest '${blob}' does not have the digest '${wanted}'.`);
  }
  return manifestFromOci(parseJson(bytes, blob), modelName, blob);
}
