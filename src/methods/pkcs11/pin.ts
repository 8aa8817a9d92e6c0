/**
 * Where the token PIN comes from: the URI's `pin-value`, the file its
 * `pin-source` names (read with a size limit, one trailing newline dropped),
 * or a prompt on the terminal without echo. The PIN never appears in any
 * message; it is returned as bytes so the caller can zero them after login.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { Pkcs11Error } from "../../errors.ts";
import { readInputFile } from "../../util/input_file.ts";
import type { Pkcs11Uri } from "./uri.ts";

/** Longest PIN file read; a PIN is a few dozen bytes at most. */
const MAX_PIN_FILE_BYTES = 4096;

function pinFilePath(source: string): string {
  if (source.startsWith("file:")) {
    try {
      return fileURLToPath(source);
    } catch {
      throw new Pkcs11Error("Invalid PKCS #11 URI: 'pin-source' is not a valid file: URI");
    }
  }
  if (!source.startsWith("/")) {
    throw new Pkcs11Error(
      "Invalid PKCS #11 URI: 'pin-source' must be an absolute path or file: URI",
    );
  }
  return source;
}

function readPinFile(path: string): Uint8Array {
  const bytes = readInputFile(path, {
    what: "PIN file",
    maxBytes: MAX_PIN_FILE_BYTES,
    error: (message) => new Pkcs11Error(message),
  });
  let end = bytes.length;
  if (bytes[end - 1] === 0x0a) end--;
  if (bytes[end - 1] === 0x0d) end--;
  const pin = bytes.slice(0, end);
  bytes.fill(0);
  return pin;
}

/** Reads a line from the terminal with echo off (raw mode), writing `prompt` to stderr. */
async function promptPin(prompt: string): Promise<Uint8Array> {
  const encoder = new TextEncoder();
  const typed: number[] = [];
  const chunk = new Uint8Array(64);
  // Echo goes off before the prompt shows, so nothing typed after it can be echoed.
  Deno.stdin.setRaw(true);
  try {
    Deno.stderr.writeSync(encoder.encode(prompt));
    for (;;) {
      const n = await Deno.stdin.read(chunk);
      if (n === null) break;
      let done = false;
      for (const byte of chunk.subarray(0, n)) {
        if (byte === 0x0d || byte === 0x0a) done = true;
        else if (byte === 0x03) throw new Pkcs11Error("PIN entry interrupted");
        else if (byte === 0x7f || byte === 0x08) typed.pop();
        else if (!done) typed.push(byte);
      }
      chunk.fill(0);
      if (done) break;
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
  const pin = new Uint8Array(typed);
  typed.fill(0);
  return pin;
}

/**
 * The PIN for `tokenLabel`: from the URI, its PIN file, or the terminal.
 *
 * @throws {Pkcs11Error} when there is none and standard input is not a terminal.
 */
export async function resolvePin(uri: Pkcs11Uri, tokenLabel: string): Promise<Uint8Array> {
  if (uri.pinValue !== undefined) return new TextEncoder().encode(uri.pinValue);
  if (uri.pinSource !== undefined) return readPinFile(pinFilePath(uri.pinSource));
  if (!Deno.stdin.isTerminal()) {
    throw new Pkcs11Error(
      `PKCS #11 token '${tokenLabel}' needs a PIN: give pin-value or pin-source in the URI, or run on a terminal to be asked`,
    );
  }
  return await promptPin(`PIN for PKCS #11 token '${tokenLabel}': `);
}
