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
import { fileKind } from "../util/fs_errors.ts";
import { readInputFile } from "../util/input_file.ts";

function refuse(path: string, reason: string): OutputError {
  return new OutputError(
    path,
    `Refusing to write signature '${path}': ${reason}; nothing was written.`,
  );
}

/**
 * Every Sigstore bundle writer (ours, Python's, sigstore-js) puts the media type first:
 * `{"mediaType": "application/vnd.dev.sigstore.bundle…`, spaced or not.
 */
const BUNDLE_START = /^\s*\{\s*"mediaType"\s*:\s*"application\/vnd\.dev\.sigstore\.bundle/;

/**
 * True when the file at `path` starts as a Sigstore bundle (any version). Only its
 * first bytes are read: a signature of 100,000 files is 22 MB, and parsing it took
 * ~0.1 s per check.
 */
function isSignature(path: string): boolean {
  try {
    const head = readInputFile(path, {
      what: "signature",
      maxBytes: 256,
      prefixOnly: true,
      error: Error,
    });
    return BUNDLE_START.test(new TextDecoder().decode(head));
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
