/**
 * An OCI image manifest as a model manifest, without the blobs: each layer
 * is a file item named by its `org.opencontainers.image.title` annotation
 * whose SHA-256 is the layer digest (true for ORAS-style uncompressed file
 * layers). The result is an ordinary files/SHA-256 manifest with no ignore
 * paths and symlinks not allowed, named after the manifest file without its
 * extension: the items, serialization and model name the Go port produces
 * for the same manifest, so either tool verifies the other's signature.
 *
 * @module
 */

import { ModelPathError } from "../errors.ts";
import { fromHex } from "../util/encoding.ts";
import { couldLeaveModel } from "../hashing/paths.ts";
import { isJsonObject } from "../util/json.ts";
import { Manifest, type ManifestItem } from "./manifest.ts";

/** Media type of an OCI image index. */
export const OCI_INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json";
/** The layer annotation that names the file. */
export const TITLE_ANNOTATION = "org.opencontainers.image.title";

/** A descriptor of an OCI manifest or index. */
export interface OciDescriptor {
  /** `sha256:<hex>`, … */
  readonly digest: string;
  /** Descriptor media type, if given. */
  readonly mediaType?: string;
}

/** True when the parsed JSON is an OCI image index (it lists manifests, not layers). */
export function isOciIndex(json: unknown): boolean {
  return isJsonObject(json) &&
    (json.mediaType === OCI_INDEX_MEDIA_TYPE || Array.isArray(json.manifests));
}

/**
 * The manifest descriptors an index lists.
 *
 * @throws {ModelPathError} naming `source` when the index is malformed.
 */
export function indexManifests(json: unknown, source: string): OciDescriptor[] {
  if (!isJsonObject(json) || json.schemaVersion !== 2 || !Array.isArray(json.manifests)) {
    throw new ModelPathError(source, `OCI index '${source}' is not a schemaVersion 2 image index.`);
  }
  return json.manifests.map((m, i) => {
    if (!isJsonObject(m) || typeof m.digest !== "string") {
      throw new ModelPathError(source, `OCI index '${source}': manifests[${i}] has no digest.`);
    }
    return {
      digest: m.digest,
      mediaType: typeof m.mediaType === "string" ? m.mediaType : undefined,
    };
  });
}

/** Refuses a title that is not a canonical model-relative path. */
function checkTitle(title: string, where: string, source: string): void {
  if (couldLeaveModel(title)) {
    throw new ModelPathError(
      source,
      `OCI manifest '${source}': ${where} title '${title}' is absolute or leaves the model.`,
    );
  }
  if (title.split("/").some((p) => p === "" || p === ".")) {
    throw new ModelPathError(
      source,
      `OCI manifest '${source}': ${where} title '${title}' has an empty or '.' component.`,
    );
  }
}

/**
 * Builds the model manifest of an OCI image manifest.
 *
 * @param json The parsed image manifest.
 * @param modelName Subject name (the Go port: the manifest file's name without extension).
 * @param source The manifest file, for messages.
 * @throws {ModelPathError} for a manifest that is not schemaVersion 2, a layer
 *   with no title, a duplicate, absolute or `..` title, or a digest that is
 *   not `sha256:` and 64 hex digits.
 */
export function manifestFromOci(json: unknown, modelName: string, source: string): Manifest {
  if (isOciIndex(json)) {
    throw new ModelPathError(
      source,
      `'${source}' is an OCI image index: name one of its manifests.`,
    );
  }
  if (!isJsonObject(json) || json.schemaVersion !== 2) {
    throw new ModelPathError(source, `OCI manifest '${source}' is not schemaVersion 2.`);
  }
  if (!Array.isArray(json.layers) || json.layers.length === 0) {
    throw new ModelPathError(source, `OCI manifest '${source}' has no layers.`);
  }
  const seen = new Set<string>();
  const items: ManifestItem[] = json.layers.map((layer, i) => {
    const where = `layer ${i}`;
    const annotations = isJsonObject(layer) && isJsonObject(layer.annotations)
      ? layer.annotations
      : {};
    const title = annotations[TITLE_ANNOTATION];
    if (typeof title !== "string" || title === "") {
      throw new ModelPathError(
        source,
        `OCI manifest '${source}': ${where} has no '${TITLE_ANNOTATION}' annotation.`,
      );
    }
    checkTitle(title, where, source);
    if (seen.has(title)) {
      throw new ModelPathError(source, `OCI manifest '${source}': title '${title}' appears twice.`);
    }
    seen.add(title);
    const digest = isJsonObject(layer) ? layer.digest : undefined;
    const hex = typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest)
      ? fromHex(digest.slice(7))
      : undefined;
    if (!hex) {
      throw new ModelPathError(
        source,
        `OCI manifest '${source}': ${where} ('${title}') digest is not sha256:<64 hex digits>.`,
      );
    }
    return { path: title, algorithm: "sha256", digest: hex };
  });
  return new Manifest(modelName, items, {
    method: "files",
    hashType: "sha256",
    allowSymlinks: false,
    ignorePaths: [],
  });
}
