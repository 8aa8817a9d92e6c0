/**
 * General test helpers: EC key pairs and their PEM files, the PEM forms a
 * private key may take, and assertions that return the typed error an
 * action throws or rejects with.
 *
 * @module
 */

import { generateKeyPairSync, type KeyExportOptions, type KeyObject } from "node:crypto";
import * as nodePath from "node:path";
import { ModelSigningError } from "../src/errors.ts";

/** EC curves the key method accepts (Node's names). */
export type KeyCurve = "P-256" | "P-384" | "P-521";

/** A fresh EC key pair. */
export function ecKeyPair(
  curve: KeyCurve = "P-256",
): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync("ec", { namedCurve: curve });
}

/** SubjectPublicKeyInfo PEM of a key (the public half of a private key). */
export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: "spki", format: "pem" }) as string;
}

/** A fresh key pair written into `dir`: `key.pem` (PKCS#8) and `key.pub`. */
export function writeKeyPair(dir: string, curve: KeyCurve = "P-256"): {
  key: string;
  pub: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
} {
  const { privateKey, publicKey } = ecKeyPair(curve);
  const key = nodePath.join(dir, "key.pem");
  const pub = nodePath.join(dir, "key.pub");
  Deno.writeTextFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
  Deno.writeTextFileSync(pub, publicKeyPem(publicKey));
  return { key, pub, privateKey, publicKey };
}

/** One PEM form of a private key, with the password loading it needs. */
export interface PrivateKeyForm {
  /** What the form is, for messages. */
  readonly form: string;
  /** The PEM text. */
  readonly pem: string;
  /** Its password, for the encrypted forms. */
  readonly password?: string;
}

/** Text before a PEM block, as some tools write it. */
const PREAMBLE = "Public Key Info:\n\tPublic Key Algorithm: EC/ECDSA\n\tthis text is not PEM\n\n";

/** Every PEM form a private key may take (docs/format.md §7.1). */
export function privateKeyForms(key: KeyObject): PrivateKeyForm[] {
  const pem = (options: Omit<KeyExportOptions<"pem">, "format">) =>
    key.export({ format: "pem", ...options }) as string;
  return [
    { form: "SEC1", pem: pem({ type: "sec1" }) },
    { form: "PKCS#8", pem: pem({ type: "pkcs8" }) },
    {
      form: "encrypted PKCS#8",
      pem: pem({ type: "pkcs8", cipher: "aes-256-cbc", passphrase: "correct horse" }),
      password: "correct horse",
    },
    {
      form: "legacy-encrypted SEC1",
      pem: pem({ type: "sec1", cipher: "aes-128-cbc", passphrase: "pässwörd" }),
      password: "pässwörd",
    },
    { form: "SEC1 after a text preamble", pem: PREAMBLE + pem({ type: "sec1" }) },
  ];
}

// deno-lint-ignore no-explicit-any
type ErrorClass<E extends Error> = new (...args: any[]) => E;

/** Runs `action` and returns the `type` error it throws; fails if it throws another or nothing. */
export function thrown<E extends Error>(type: ErrorClass<E>, action: () => unknown): E {
  try {
    action();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name}, got ${e}`, { cause: e });
  }
  throw new Error(`expected a ${type.name}, but the action succeeded`);
}

/**
 * Awaits `action` and returns the error it rejects (or throws) with; fails
 * unless it is a `type` (by default any `ModelSigningError`: a TypeError or
 * RangeError would be a crash).
 */
export async function rejection<E extends Error = ModelSigningError>(
  action: () => unknown,
  type: ErrorClass<E> = ModelSigningError as unknown as ErrorClass<E>,
): Promise<E> {
  try {
    await action();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name}, got ${e}`, { cause: e });
  }
  throw new Error(`expected a ${type.name}, but the action succeeded`);
}

/** Deterministic PRNG (mulberry32), so a failing random case can be rebuilt from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
