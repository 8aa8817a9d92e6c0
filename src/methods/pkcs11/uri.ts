/**
 * PKCS #11 URIs (RFC 7512, docs/format.md §7.4): `pkcs11:` then `;`-separated
 * path attributes, optionally `?` and `&`-separated query attributes, values
 * percent-decoded. Error messages name the attribute, never its value: the
 * query may carry the PIN.
 *
 * @example
 * ```ts
 * const uri = parsePkcs11Uri("pkcs11:token=test;object=k256?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234");
 * uri.object; // "k256"
 * ```
 *
 * @module
 */

import { Pkcs11Error } from "../../errors.ts";

/** The attributes of a parsed URI this tool uses. */
export interface Pkcs11Uri {
  /** Token label. */
  readonly token?: string;
  /** Token manufacturer. */
  readonly manufacturer?: string;
  /** Token model. */
  readonly model?: string;
  /** Token serial number. */
  readonly serial?: string;
  /** Slot number. */
  readonly slotId?: bigint;
  /** Key label (`CKA_LABEL`). */
  readonly object?: string;
  /** Key id bytes (`CKA_ID`). */
  readonly id?: Uint8Array;
  /** Module file, or a directory to search for `moduleName`. */
  readonly modulePath?: string;
  /** Module name, searched in the module directories. */
  readonly moduleName?: string;
  /** The PIN given in the URI. */
  readonly pinValue?: string;
  /** A file holding the PIN (absolute path or `file:` URI). */
  readonly pinSource?: string;
}

const PATH_ATTRIBUTES = new Set([
  "token",
  "manufacturer",
  "model",
  "serial",
  "slot-id",
  "object",
  "id",
  "type",
  "library-manufacturer",
  "library-description",
  "library-version",
  "slot-description",
  "slot-manufacturer",
]);
const QUERY_ATTRIBUTES = new Set(["module-path", "module-name", "pin-value", "pin-source"]);

/** Percent-decodes `text` to bytes; `%` must start two hex digits. */
function percentDecode(text: string, name: string): Uint8Array {
  const bytes: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new Pkcs11Error(`Invalid PKCS #11 URI: bad percent-encoding in '${name}'`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...utf8.encode(text[i]));
    }
  }
  return new Uint8Array(bytes);
}

function attributes(part: string, separator: string, known: Set<string>, where: string) {
  const values = new Map<string, Uint8Array>();
  if (part === "") return values;
  for (const pair of part.split(separator)) {
    const eq = pair.indexOf("=");
    if (eq < 0) {
      // Never quoted: it may be `pin-value` with its `=` left out, PIN and all.
      const known = [...values.keys()].at(-1);
      throw new Pkcs11Error(
        `Invalid PKCS #11 URI: a ${where} attribute has no '=' and value${
          known === undefined ? "" : ` (the one after '${known}')`
        }`,
      );
    }
    const name = pair.slice(0, eq);
    // Unescaped in a value, these are a separator mistyped (`;` between query attributes):
    // the value would swallow the next attribute, a PIN perhaps, and never be quoted.
    if (/[;&=?]/.test(pair.slice(eq + 1))) {
      throw new Pkcs11Error(
        `Invalid PKCS #11 URI: ${where} attribute '${name}' holds an unescaped ';', '&', '=' or '?' (${where} attributes are separated by '${separator}')`,
      );
    }
    // RFC 7512 §2.3: vendor attributes start with "x-"; anything else unknown is a typo.
    if (!known.has(name) && !name.startsWith("x-")) {
      throw new Pkcs11Error(`Invalid PKCS #11 URI: unknown ${where} attribute '${name}'`);
    }
    if (values.has(name)) {
      throw new Pkcs11Error(`Invalid PKCS #11 URI: ${where} attribute '${name}' is repeated`);
    }
    values.set(name, percentDecode(pair.slice(eq + 1), name));
  }
  return values;
}

/**
 * Parses a PKCS #11 URI.
 *
 * @throws {Pkcs11Error} for a malformed URI, unknown or repeated attributes,
 *   both `pin-value` and `pin-source`, or neither `object` nor `id`.
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (typeof uri !== "string") {
    // A library caller who wrote Python's `pkcs11_uri` as `pkcs11Uri`: the option is `uri`.
    throw new Pkcs11Error("No PKCS #11 URI: give it as the option 'uri' ('pkcs11:…')");
  }
  if (!uri.toLowerCase().startsWith("pkcs11:")) {
    throw new Pkcs11Error("Invalid PKCS #11 URI: it must start with 'pkcs11:'");
  }
  const rest = uri.slice("pkcs11:".length);
  const q = rest.indexOf("?");
  const path = attributes(q < 0 ? rest : rest.slice(0, q), ";", PATH_ATTRIBUTES, "path");
  const query = attributes(q < 0 ? "" : rest.slice(q + 1), "&", QUERY_ATTRIBUTES, "query");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const text = (map: Map<string, Uint8Array>, name: string) => {
    const value = map.get(name);
    if (value === undefined) return undefined;
    try {
      return decoder.decode(value);
    } catch {
      throw new Pkcs11Error(`Invalid PKCS #11 URI: '${name}' is not UTF-8 text`);
    }
  };
  const type = text(path, "type");
  if (type !== undefined && type !== "private") {
    throw new Pkcs11Error("Invalid PKCS #11 URI: 'type' must be 'private' (the signing key)");
  }
  const slot = text(path, "slot-id");
  if (slot !== undefined && !/^[0-9]{1,20}$/.test(slot)) {
    throw new Pkcs11Error("Invalid PKCS #11 URI: 'slot-id' must be a decimal number");
  }
  const parsed: Pkcs11Uri = {
    token: text(path, "token"),
    manufacturer: text(path, "manufacturer"),
    model: text(path, "model"),
    serial: text(path, "serial"),
    slotId: slot === undefined ? undefined : BigInt(slot),
    object: text(path, "object"),
    id: path.get("id"),
    modulePath: text(query, "module-path"),
    moduleName: text(query, "module-name"),
    pinValue: text(query, "pin-value"),
    pinSource: text(query, "pin-source"),
  };
  if (parsed.pinValue !== undefined && parsed.pinSource !== undefined) {
    throw new Pkcs11Error("Invalid PKCS #11 URI: give 'pin-value' or 'pin-source', not both");
  }
  if (parsed.object === undefined && parsed.id === undefined) {
    throw new Pkcs11Error("Invalid PKCS #11 URI: it must name the key with 'object' or 'id'");
  }
  return parsed;
}
