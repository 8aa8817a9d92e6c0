/**
 * Where `sign` may write the signature. A symlink is refused (the link's
 * target would be hashed as the signature and the link replaced, so the
 * signature could never verify), and so is an existing file inside the model
 * that is not a signature: `--signature MODEL/w.bin` would silently replace
 * a model file. An existing signature may be replaced, as re-signing does.
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
 * Refuses a signature path that is a symlink, a special file, or an existing
 * file of the model at `modelPath` (when there is one: an OCI manifest is
 * signed without files) that does not parse as a signature.
 *
 * @throws {OutputError}
 */
export function checkSignatureTarget(signaturePath: string, modelPath?: string): void {
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
  if (
    modelPath !== undefined && insideModel(signaturePath, modelPath) && !isSignature(signaturePath)
  ) {
    throw refuse(signaturePath, "it is a file of the model, not a signature");
  }
}
