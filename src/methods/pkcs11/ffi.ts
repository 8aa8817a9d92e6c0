/**
 * A minimal PKCS #11 (Cryptoki 2.x) binding through `Deno.dlopen`: just what
 * ECDSA signing with a token key needs. Layouts are those of 64-bit Unix
 * (LP64): `CK_ULONG` is 8 bytes, pointers are 8 bytes, `CK_ATTRIBUTE` is
 * `{type u64, pValue ptr, ulValueLen u64}` and `CK_MECHANISM` is
 * `{mechanism u64, pParameter ptr, ulParameterLen u64}`. Only this module
 * needs `--allow-ffi`; it is loaded only by the PKCS #11 methods.
 *
 * @module
 */

import { Pkcs11Error } from "../../errors.ts";

/** Marks when the FFI code loads, so profiles and the lazy-loading test can see it. */
export const LOADED_MARK = "model-signing:pkcs11-ffi-loaded";
performance.mark(LOADED_MARK);

/** `CKA_*` attribute types read from key objects. */
export const CKA = {
  CLASS: 0x000n,
  LABEL: 0x003n,
  KEY_TYPE: 0x100n,
  ID: 0x102n,
  EC_PARAMS: 0x180n,
  EC_POINT: 0x181n,
} as const;
/** `CKO_*` object classes. */
export const CKO = { PUBLIC_KEY: 2n, PRIVATE_KEY: 3n } as const;
/** `CKK_EC`. */
export const CKK_EC = 3n;
const CKM_ECDSA = 0x1041n;
const CKU_USER = 1n;
const CKF_SERIAL_SESSION = 0x4n;
const CKF_LOGIN_REQUIRED = 0x4n;
const CKF_USER_PIN_LOCKED = 0x40000n;
const CKF_TOKEN_INITIALIZED = 0x400n;

/** `CKR_*` values the messages distinguish. */
export const CKR = {
  OK: 0x0,
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  USER_ALREADY_LOGGED_IN: 0x100,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

/** What a module call's failure means to a user, by `CKR_*` value. */
export function describeCkr(ckr: number): string {
  switch (ckr) {
    case CKR.PIN_INCORRECT:
      return "wrong PIN";
    case CKR.PIN_INVALID:
    case CKR.PIN_LEN_RANGE:
      return "the PIN has an invalid form or length";
    case CKR.PIN_EXPIRED:
      return "the PIN has expired";
    case CKR.PIN_LOCKED:
      return "the token is locked (too many wrong PINs)";
    case 0x60:
      return "no such key";
    case 0x63:
    case 0x70:
      return "the key cannot sign with ECDSA";
    case 0xe0:
      return "the token is not present";
    default:
      return `error CKR 0x${ckr.toString(16).padStart(8, "0")}`;
  }
}

/** Index of each function used in `CK_FUNCTION_LIST` (after the 8-byte padded version). */
const FUNCTIONS = {
  C_Initialize: [0, ["pointer"]],
  C_Finalize: [1, ["pointer"]],
  C_GetSlotList: [4, ["u8", "buffer", "buffer"]],
  C_GetTokenInfo: [6, ["u64", "buffer"]],
  C_OpenSession: [12, ["u64", "u64", "pointer", "pointer", "buffer"]],
  C_CloseSession: [13, ["u64"]],
  C_Login: [18, ["u64", "u64", "buffer", "u64"]],
  C_Logout: [19, ["u64"]],
  C_GetAttributeValue: [24, ["u64", "u64", "buffer", "u64"]],
  C_FindObjectsInit: [26, ["u64", "buffer", "u64"]],
  C_FindObjects: [27, ["u64", "buffer", "u64", "buffer"]],
  C_FindObjectsFinal: [28, ["u64"]],
  C_SignInit: [42, ["u64", "buffer", "u64"]],
  C_Sign: [43, ["u64", "buffer", "u64", "buffer", "buffer"]],
} as const satisfies Record<string, readonly [number, readonly Deno.NativeType[]]>;

type FunctionName = keyof typeof FUNCTIONS;
type Call = (...args: unknown[]) => number;

/** What a token reports about itself (`CK_TOKEN_INFO`, space padding removed). */
export interface TokenInfo {
  /** Slot holding the token. */
  readonly slot: bigint;
  /** Token label. */
  readonly label: string;
  /** Manufacturer id. */
  readonly manufacturer: string;
  /** Model. */
  readonly model: string;
  /** Serial number. */
  readonly serial: string;
  /** Whether a login is needed before using private keys. */
  readonly loginRequired: boolean;
  /** Whether the user PIN is locked. */
  readonly pinLocked: boolean;
}

/** An attribute to match in a search: its type and value bytes. */
export type Template = ReadonlyArray<readonly [bigint, Uint8Array]>;

/** The little-endian bytes of a `CK_ULONG`. */
export function ulong(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

const pointerValue = (buffer: Uint8Array) =>
  BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer as Uint8Array<ArrayBuffer>)));

/** Packs a `CK_ATTRIBUTE` array; the value buffers must stay referenced while it is used. */
function packTemplate(template: Template): Uint8Array<ArrayBuffer> {
  const packed = new Uint8Array(24 * Math.max(template.length, 1));
  const view = new DataView(packed.buffer);
  template.forEach(([type, value], i) => {
    view.setBigUint64(24 * i, type, true);
    view.setBigUint64(24 * i + 8, value.length ? pointerValue(value) : 0n, true);
    view.setBigUint64(24 * i + 16, BigInt(value.length), true);
  });
  return packed;
}

const padded = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/[ \0]+$/, "");

/** A loaded PKCS #11 module, initialised; {@linkcode Pkcs11Module.close} finalises it. */
export class Pkcs11Module {
  readonly #library: Deno.DynamicLibrary<{ C_GetFunctionList: Deno.ForeignFunction }>;
  readonly #calls: Record<FunctionName, Call>;

  private constructor(
    library: Deno.DynamicLibrary<{ C_GetFunctionList: Deno.ForeignFunction }>,
    calls: Record<FunctionName, Call>,
  ) {
    this.#library = library;
    this.#calls = calls;
  }

  /**
   * Loads the module at `path`, fetches its function list and initialises it.
   *
   * @throws {Pkcs11Error} when the file cannot be loaded or is not a PKCS #11 module.
   */
  static open(path: string): Pkcs11Module {
    let library;
    try {
      library = Deno.dlopen(
        path,
        {
          C_GetFunctionList: { parameters: ["buffer"], result: "u64" },
        } as const,
      );
    } catch (e) {
      const message = (e as Error).message;
      const reason =
        e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied
          ? "loading a PKCS #11 module needs the --allow-ffi permission"
          : /symbol/i.test(message)
          ? "it is not a PKCS #11 module (no C_GetFunctionList)"
          : /no such file/i.test(message)
          ? "no such file"
          : "it cannot be loaded as a shared library";
      throw new Pkcs11Error(`Cannot load PKCS #11 module '${path}': ${reason}`);
    }
    const out = new Uint8Array(8);
    const rv = Number(library.symbols.C_GetFunctionList(out));
    const list = Deno.UnsafePointer.create(new DataView(out.buffer).getBigUint64(0, true));
    if (rv !== CKR.OK || list === null) {
      library.close();
      throw new Pkcs11Error(`Cannot load PKCS #11 module '${path}': C_GetFunctionList failed`);
    }
    const view = new Deno.UnsafePointerView(list);
    const calls = {} as Record<FunctionName, Call>;
    for (const [name, [index, parameters]] of Object.entries(FUNCTIONS)) {
      const fn = view.getPointer(8 + 8 * index);
      if (fn === null) {
        library.close();
        throw new Pkcs11Error(`Cannot load PKCS #11 module '${path}': it lacks ${name}`);
      }
      const definition: Deno.UnsafeCallbackDefinition = {
        parameters: [...parameters] as Deno.NativeType[],
        result: "u64",
      };
      const bound = new Deno.UnsafeFnPointer(
        fn as Deno.PointerObject<typeof definition>,
        definition,
      );
      const call = bound.call.bind(bound) as unknown as (...args: unknown[]) => bigint;
      calls[name as FunctionName] = (...args) => Number(call(...args));
    }
    const module = new Pkcs11Module(library, calls);
    const init = calls.C_Initialize(null);
    if (init !== CKR.OK && init !== CKR.CRYPTOKI_ALREADY_INITIALIZED) {
      library.close();
      throw new Pkcs11Error(
        `PKCS #11 module '${path}' failed to initialise: ${describeCkr(init)}`,
        init,
      );
    }
    return module;
  }

  /** Calls `name`; a failure becomes a {@linkcode Pkcs11Error} "`what`: reason". */
  #call(name: FunctionName, what: string, ...args: unknown[]): void {
    const rv = this.#calls[name](...args);
    if (rv !== CKR.OK) throw new Pkcs11Error(`${what}: ${describeCkr(rv)}`, rv);
  }

  /** The initialised tokens present in slots. */
  tokens(): TokenInfo[] {
    const count = new BigUint64Array(1);
    this.#call("C_GetSlotList", "Cannot list PKCS #11 slots", 1, null, count);
    const slots = new BigUint64Array(Number(count[0]));
    if (slots.length === 0) return [];
    this.#call("C_GetSlotList", "Cannot list PKCS #11 slots", 1, slots, count);
    const found: TokenInfo[] = [];
    for (const slot of slots.subarray(0, Number(count[0]))) {
      // CK_TOKEN_INFO is 208 bytes on LP64; flags follow the four text fields (96 bytes).
      const info = new Uint8Array(256);
      if (this.#calls.C_GetTokenInfo(slot, info) !== CKR.OK) continue;
      const flags = new DataView(info.buffer).getBigUint64(96, true);
      if ((flags & CKF_TOKEN_INITIALIZED) === 0n) continue;
      found.push({
        slot,
        label: padded(info.subarray(0, 32)),
        manufacturer: padded(info.subarray(32, 64)),
        model: padded(info.subarray(64, 80)),
        serial: padded(info.subarray(80, 96)),
        loginRequired: (flags & CKF_LOGIN_REQUIRED) !== 0n,
        pinLocked: (flags & CKF_USER_PIN_LOCKED) !== 0n,
      });
    }
    return found;
  }

  /** Opens a read-only session on `slot`. */
  openSession(slot: bigint): Pkcs11Session {
    const handle = new BigUint64Array(1);
    this.#call(
      "C_OpenSession",
      "Cannot open a PKCS #11 session",
      slot,
      CKF_SERIAL_SESSION,
      null,
      null,
      handle,
    );
    return new Pkcs11Session(handle[0], (name, what, ...args) => this.#call(name, what, ...args));
  }

  /** Finalises the module and unloads it. */
  close(): void {
    this.#calls.C_Finalize(null);
    this.#library.close();
  }
}

type Caller = (name: FunctionName, what: string, ...args: unknown[]) => void;

/** An open session; {@linkcode Pkcs11Session.close} logs out and closes it. */
export class Pkcs11Session {
  readonly #handle: bigint;
  readonly #call: Caller;
  #loggedIn = false;

  /** Wraps a session handle (use {@linkcode Pkcs11Module.openSession}). */
  constructor(handle: bigint, call: Caller) {
    this.#handle = handle;
    this.#call = call;
  }

  /** Logs in as the user; the PIN bytes are zeroed afterwards. */
  login(pin: Uint8Array): void {
    try {
      this.#call(
        "C_Login",
        "PKCS #11 login failed",
        this.#handle,
        CKU_USER,
        pin,
        BigInt(pin.length),
      );
      this.#loggedIn = true;
    } catch (e) {
      if ((e as Pkcs11Error).ckr !== CKR.USER_ALREADY_LOGGED_IN) throw e;
    } finally {
      pin.fill(0);
    }
  }

  /** Handles of the objects matching `template` (at most `max`). */
  find(template: Template, max = 16): bigint[] {
    const packed = packTemplate(template);
    const what = "PKCS #11 object search failed";
    this.#call("C_FindObjectsInit", what, this.#handle, packed, BigInt(template.length));
    try {
      const handles = new BigUint64Array(max);
      const count = new BigUint64Array(1);
      this.#call("C_FindObjects", what, this.#handle, handles, BigInt(max), count);
      return [...handles.subarray(0, Number(count[0]))];
    } finally {
      this.#call("C_FindObjectsFinal", what, this.#handle);
    }
  }

  /** The value of one attribute of `object`, or `undefined` if it has none. */
  attribute(object: bigint, type: bigint): Uint8Array | undefined {
    const probe = [[type, new Uint8Array(0)]] as const;
    const packed = packTemplate(probe);
    try {
      this.#call("C_GetAttributeValue", "", this.#handle, object, packed, 1n);
    } catch {
      return undefined;
    }
    const length = new DataView(packed.buffer).getBigUint64(16, true);
    if (length === 0xffffffffffffffffn) return undefined; // CK_UNAVAILABLE_INFORMATION
    const value = new Uint8Array(Number(length));
    const filled = packTemplate([[type, value]]);
    this.#call(
      "C_GetAttributeValue",
      "Cannot read a PKCS #11 key attribute",
      this.#handle,
      object,
      filled,
      1n,
    );
    return value;
  }

  /** Signs `digest` with `CKM_ECDSA`; the raw `r‖s` signature. */
  signEcdsa(key: bigint, digest: Uint8Array): Uint8Array {
    const mechanism = new Uint8Array(24);
    new DataView(mechanism.buffer).setBigUint64(0, CKM_ECDSA, true);
    const what = "PKCS #11 signing failed";
    this.#call("C_SignInit", what, this.#handle, mechanism, key);
    // r‖s is at most 132 bytes (P-521).
    const signature = new Uint8Array(256);
    const length = new BigUint64Array([BigInt(signature.length)]);
    this.#call("C_Sign", what, this.#handle, digest, BigInt(digest.length), signature, length);
    return signature.slice(0, Number(length[0]));
  }

  /** Logs out (if logged in) and closes the session. */
  close(): void {
    if (this.#loggedIn) {
      try {
        this.#call("C_Logout", "", this.#handle);
      } catch { /* closing the session logs out too */ }
    }
    try {
      this.#call("C_CloseSession", "", this.#handle);
    } catch { /* nothing more to release */ }
  }
}
