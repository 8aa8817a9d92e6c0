/**
 * Where `sign` may write the signature. A symlink is refused (the link's
 * target would be hashed as the signature and the link replaced, so the
 * signature could never verify), and so is an existing file that is not a
 * signature: `--signature MODEL/w.bin` would silently replace a model file,
 * `--signature key.pem` the private key. An existing signature (or an empty
 * file) may be replaced, as re-signing does. A path ending in a separator
 * names a folder, never the file the write would create.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import * as nodePath from "node:path";
import { OutputError } from "../errors.ts";
import { MAX_BUNDLE_BYTES, parseBundle } from "../format/bundle.ts";
import { fileKind } from "../util/fs_errors.ts";
import { readInputFile } from "../util/input_file.ts";

function refuse(path: string, reason: string): OutputError {
  return new OutputError(
    path,
    `Refusing to write signature '${path}': ${reason}; nothing was written.`,
  );
}

/** True when the file at `path` parses as a Sigstore bundle (any version). */
function isSignature(path: string): boolean {
  try {
    const bundle = parseBundle(
      readInputFile(path, { what: "signature", maxBytes: MAX_BUNDLE_BYTES, error: Error }),
      path,
    );
    return typeof bundle.mediaType === "string" &&
      bundle.mediaType.startsWith("application/vnd.dev.sigstore.bundle");
  } catch {
    return false;
  }
}

/** True when `path` (which need not exist) lies in the model at `modelPath`, or is it. */
function insideModel(path: string, modelPath: string): boolean {
  let root: string;
  let dir: string;
  try {
    root = realpathSync(modelPath);
    dir = realpathSync(nodePath.dirname(nodePath.resolve(path)));
  } catch {
    return false; // A missing model or folder fails later with its own message.
  }
  const rel = nodePath.relative(root, nodePath.join(dir, nodePath.basename(path)));
  return rel === "" || (!rel.startsWith("..") && !nodePath.isAbsolute(rel));
}

/**
 * Refuses a signature path that ends in a separator, is a symlink, a special
 * file, or an existing non-empty file that does not parse as a signature
 * (named as a file of the model at `modelPath` when it lies there; an OCI
 * manifest is signed without files).
 *
 * @throws {OutputError}
 */
export function checkSignatureTarget(signaturePath: string, modelPath?: string): void {
  const trailing = Deno.build.os === "windows" ? /[\\/]$/ : /\/$/;
  if (trailing.test(signaturePath)) {
    throw refuse(signaturePath, "it names a folder; give the path of the signature file");
  }
  let stat: Deno.FileInfo;
  try {
    stat = Deno.lstatSync(signaturePath);
  } catch {
    return; // Nothing there yet (or unreachable: the write names the reason).
  }
  if (stat.isSymlink) {
    throw refuse(signaturePath, "it is a symlink; give the path of a regular file");
  }
  if (!stat.isFile) throw refuse(signaturePath, `it is ${fileKind(stat)}`);
  if (stat.size === 0 || isSignature(signaturePath)) return;
  if (modelPath !== undefined && insideModel(signaturePath, modelPath)) {
    throw refuse(signaturePath, "it is a file of the model, not a signature");
  }
  throw refuse(signaturePath, "it exists and is not a signature (remove it to write there)");
}
