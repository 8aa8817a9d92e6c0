/**
 * A signing key on a PKCS #11 token, found from a URI (docs/format.md §7.4):
 * the module is located and loaded, the token chosen by its URI attributes,
 * the user logged in, the private and public key objects found by label/id,
 * and the public key rebuilt from `CKA_EC_PARAMS` and `CKA_EC_POINT`.
 * Signing hashes with the curve's hash and signs the digest with `CKM_ECDSA`;
 * the raw `r‖s` becomes DER.
 *
 * @module
 */

import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import * as nodePath from "node:path";
import { Pkcs11Error } from "../../errors.ts";
import { toHex } from "../../util/encoding.ts";
import { type CurveHash, curveHash, verifyEcdsa } from "../../crypto/ec_keys.ts";
import { CKA, CKK_EC, CKO, Pkcs11Module, type Pkcs11Session, type Template, ulong } from "./ffi.ts";
import { resolvePin } from "./pin.ts";
import { parsePkcs11Uri, type Pkcs11Uri } from "./uri.ts";

/** Directories searched for `module-name` without a `module-path` directory (§7.4, plus Debian's). */
const MODULE_DIRS = [
  "/usr/lib64/pkcs11",
  "/usr/lib/pkcs11",
  "/usr/lib/x86_64-linux-gnu/pkcs11",
  "/usr/lib/aarch64-linux-gnu/pkcs11",
];

/** Curve OIDs (DER, hex) → byte length of a coordinate. */
const CURVES: Readonly<Record<string, number>> = {
  "06082a8648ce3d030107": 32, // P-256
  "06052b81040022": 48, // P-384
  "06052b81040023": 66, // P-521
};

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** The module file the URI names. */
export function modulePathOf(uri: Pkcs11Uri): string {
  const path = uri.modulePath;
  if (path !== undefined && !path.startsWith("/")) {
    throw new Pkcs11Error("Invalid PKCS #11 URI: 'module-path' must be an absolute path");
  }
  if (uri.moduleName === undefined) {
    if (path === undefined) {
      throw new Pkcs11Error("Invalid PKCS #11 URI: give 'module-path' or 'module-name'");
    }
    return path;
  }
  if (path !== undefined && !isDirectory(path)) return path;
  const wanted = uri.moduleName.toLowerCase();
  for (const dir of path !== undefined ? [path] : MODULE_DIRS) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const match = names.find((n) => {
      const lower = n.toLowerCase();
      return lower === wanted || lower === `${wanted}.so`;
    });
    if (match) return nodePath.join(dir, match);
  }
  throw new Pkcs11Error(`PKCS #11 module '${uri.moduleName}' not found`);
}

/** A DER TLV with definite length. */
function tlv(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return new Uint8Array([tag, ...length, ...content]);
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A DER INTEGER of the unsigned big-endian `bytes`. */
function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  return tlv(0x02, value[0] & 0x80 ? concat(new Uint8Array([0]), value) : value);
}

/** Turns a raw `r‖s` ECDSA signature (PKCS #11 form) into DER `SEQUENCE {r, s}`. */
export function rawSignatureToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return tlv(0x30, concat(derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))));
}

const ID_EC_PUBLIC_KEY = new Uint8Array([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);

/**
 * The public key from `CKA_EC_PARAMS` (the named curve's OID) and
 * `CKA_EC_POINT` (a DER OCTET STRING holding the uncompressed point; some
 * modules give the bare point).
 */
export function ecPublicKey(params: Uint8Array, point: Uint8Array, label: string): KeyObject {
  const size = CURVES[toHex(params)];
  if (size === undefined) {
    throw new Pkcs11Error(
      `PKCS #11 key '${label}' is on an unsupported curve (P-256, P-384, P-521 are)`,
    );
  }
  let q = point;
  if (point.length !== 1 + 2 * size && point[0] === 0x04) {
    const header = point[1] < 0x80 ? 2 : 2 + (point[1] & 0x7f);
    q = point.subarray(header);
  }
  if (q.length !== 1 + 2 * size || q[0] !== 0x04) {
    throw new Pkcs11Error(`PKCS #11 key '${label}' has an unreadable EC point`);
  }
  const spki = tlv(
    0x30,
    concat(tlv(0x30, concat(ID_EC_PUBLIC_KEY, params)), tlv(0x03, concat(new Uint8Array([0]), q))),
  );
  return createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
}

/** How the URI names the token, for messages (no query: it may hold the PIN). */
function tokenDescription(uri: Pkcs11Uri): string {
  const parts = [
    uri.token !== undefined ? `token '${uri.token}'` : undefined,
    uri.slotId !== undefined ? `slot ${uri.slotId}` : undefined,
    uri.serial !== undefined ? `serial '${uri.serial}'` : undefined,
    uri.model !== undefined ? `model '${uri.model}'` : undefined,
    uri.manufacturer !== undefined ? `manufacturer '${uri.manufacturer}'` : undefined,
  ].filter((p) => p !== undefined);
  return parts.length ? parts.join(", ") : "any token";
}

/** An EC private key on a token, with its public key; close it after use. */
export class Pkcs11TokenKey {
  /** The key's public half. */
  readonly publicKey: KeyObject;
  /** How the key is named in messages (its label, else its id in hex). */
  readonly name: string;
  readonly #module: Pkcs11Module;
  readonly #session: Pkcs11Session;
  readonly #handle: bigint;
  readonly #hash: CurveHash;

  private constructor(
    module: Pkcs11Module,
    session: Pkcs11Session,
    handle: bigint,
    publicKey: KeyObject,
    name: string,
  ) {
    this.#module = module;
    this.#session = session;
    this.#handle = handle;
    this.publicKey = publicKey;
    this.name = name;
    this.#hash = curveHash(publicKey);
  }

  /**
   * Opens the key the URI names: loads the module, selects the token, logs
   * in (PIN from the URI, its file, or the terminal) and finds the keys.
   *
   * @throws {Pkcs11Error}
   */
  static async open(uriText: string): Promise<Pkcs11TokenKey> {
    const uri = parsePkcs11Uri(uriText);
    const module = Pkcs11Module.open(modulePathOf(uri));
    let session: Pkcs11Session | undefined;
    try {
      const token = module.tokens().find((t) =>
        (uri.slotId === undefined || t.slot === uri.slotId) &&
        (uri.token === undefined || t.label === uri.token) &&
        (uri.serial === undefined || t.serial === uri.serial) &&
        (uri.model === undefined || t.model === uri.model) &&
        (uri.manufacturer === undefined || t.manufacturer === uri.manufacturer)
      );
      if (!token) throw new Pkcs11Error(`No PKCS #11 token matches ${tokenDescription(uri)}`);
      if (token.pinLocked) {
        throw new Pkcs11Error(`PKCS #11 token '${token.label}' is locked (too many wrong PINs)`);
      }
      session = module.openSession(token.slot);
      if (token.loginRequired) {
        const pin = await resolvePin(uri, token.label);
        try {
          session.login(pin);
        } catch (e) {
          const reason = (e as Error).message.replace(/^PKCS #11 login failed: /, "");
          throw new Pkcs11Error(
            `PKCS #11 login to token '${token.label}' failed: ${reason}`,
            (e as Pkcs11Error).ckr,
          );
        }
      }
      const name = uri.object !== undefined ? `'${uri.object}'` : `with id ${toHex(uri.id!)}`;
      const select: [bigint, Uint8Array][] = [];
      if (uri.object !== undefined) select.push([CKA.LABEL, new TextEncoder().encode(uri.object)]);
      if (uri.id !== undefined) select.push([CKA.ID, uri.id]);
      const one = (cls: bigint, what: string): bigint | undefined => {
        const template: Template = [[CKA.CLASS, ulong(cls)], ...select];
        const found = session!.find(template, 2);
        if (found.length > 1) {
          throw new Pkcs11Error(
            `More than one PKCS #11 ${what} ${name} on token '${token.label}'; name it by both object and id`,
          );
        }
        return found[0];
      };
      const privateKey = one(CKO.PRIVATE_KEY, "private key");
      if (privateKey === undefined) {
        throw new Pkcs11Error(`No PKCS #11 private key ${name} on token '${token.label}'`);
      }
      const type = session.attribute(privateKey, CKA.KEY_TYPE);
      if (!type || new DataView(type.buffer).getBigUint64(0, true) !== CKK_EC) {
        throw new Pkcs11Error(
          `PKCS #11 key ${name} is not an elliptic-curve key (only EC keys are supported)`,
        );
      }
      const publicKey = one(CKO.PUBLIC_KEY, "public key");
      if (publicKey === undefined) {
        throw new Pkcs11Error(
          `No PKCS #11 public key ${name} on token '${token.label}' (it is needed to check signatures)`,
        );
      }
      const params = session.attribute(publicKey, CKA.EC_PARAMS);
      const point = session.attribute(publicKey, CKA.EC_POINT);
      if (!params || !point) {
        throw new Pkcs11Error(`PKCS #11 public key ${name} lacks CKA_EC_PARAMS or CKA_EC_POINT`);
      }
      return new Pkcs11TokenKey(
        module,
        session,
        privateKey,
        ecPublicKey(params, point, name),
        name,
      );
    } catch (e) {
      session?.close();
      module.close();
      throw e;
    }
  }

  /**
   * ECDSA-signs `data` on the token with the curve's hash; the DER signature,
   * checked against the public key (a mismatched key pair is refused).
   *
   * @throws {Pkcs11Error}
   */
  sign(data: Uint8Array): Uint8Array {
    const digest = new Uint8Array(createHash(this.#hash).update(data).digest());
    const signature = rawSignatureToDer(this.#session.signEcdsa(this.#handle, digest));
    if (!verifyEcdsa(this.publicKey, data, signature, this.#hash)) {
      throw new Pkcs11Error(
        `The PKCS #11 signature of key ${this.name} does not verify with its public key`,
      );
    }
    return signature;
  }

  /** Logs out, closes the session and unloads the module. */
  close(): void {
    this.#session.close();
    this.#module.close();
  }
}
