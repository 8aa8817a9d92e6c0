/**
 * A real SoftHSM2 token for the PKCS #11 tests: a temporary `SOFTHSM2_CONF`
 * and token directory, a token initialised with `softhsm2-util`, and keys
 * imported as PKCS#8 PEM files.
 *
 * @module
 */

import * as nodePath from "node:path";

function exists(path: string | undefined): path is string {
  try {
    return path !== undefined && Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const MODULE_FOUND = [
  Deno.env.get("SOFTHSM2_MODULE"),
  "/usr/lib/softhsm/libsofthsm2.so", // Debian, Ubuntu
  "/opt/homebrew/lib/softhsm/libsofthsm2.so", // Homebrew, Apple silicon
  "/usr/local/lib/softhsm/libsofthsm2.so", // Homebrew, Intel
].find(exists);

/** The SoftHSM2 module: `SOFTHSM2_MODULE`, else where Debian's `softhsm2` package or Homebrew puts it. */
export const SOFTHSM_MODULE = MODULE_FOUND ?? "/usr/lib/softhsm/libsofthsm2.so";

/** Whether SoftHSM2 is installed here: its module and `softhsm2-util`. */
export const SOFTHSM_AVAILABLE = MODULE_FOUND !== undefined && (() => {
  try {
    return new Deno.Command("softhsm2-util", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .outputSync().success;
  } catch {
    return false;
  }
})();
/** User PIN of the test token. */
export const PIN = "1234";

/** A token in a temporary directory. */
export interface SoftHsm {
  /** Environment that points SoftHSM2 at this token's configuration. */
  readonly env: Record<string, string>;
  /** Imports a PKCS#8 PEM private key (with its public key) under `label` and hex `id`. */
  importKey(pem: string, label: string, id: string): Promise<void>;
  /** A URI for the key `object`, with extra query attributes (default: the PIN). */
  uri(path: string, query?: string): string;
}

async function run(command: string, args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${command} ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Initialises token `test` (user PIN 1234, SO PIN 5678) under `dir`, and sets
 * `SOFTHSM2_CONF` for this process too (the library tests load the module
 * in-process).
 */
export async function softHsm(dir: string): Promise<SoftHsm> {
  const tokens = nodePath.join(dir, "tokens");
  Deno.mkdirSync(tokens);
  const conf = nodePath.join(dir, "softhsm2.conf");
  Deno.writeTextFileSync(
    conf,
    `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  const env = { SOFTHSM2_CONF: conf };
  Deno.env.set("SOFTHSM2_CONF", conf);
  await run("softhsm2-util", [
    "--init-token",
    "--free",
    "--label",
    "test",
    "--pin",
    PIN,
    "--so-pin",
    "5678",
  ], env);
  return {
    env,
    async importKey(pem, label, id) {
      const file = nodePath.join(dir, `${label}.p8`);
      Deno.writeTextFileSync(file, pem);
      await run("softhsm2-util", [
        "--import",
        file,
        "--token",
        "test",
        "--label",
        label,
        "--id",
        id,
        "--pin",
        PIN,
      ], env);
    },
    uri(path, query = `pin-value=${PIN}`) {
      return `pkcs11:token=test;${path}?module-path=${SOFTHSM_MODULE}${query ? `&${query}` : ""}`;
    },
  };
}

/**
 * Stands in for {@linkcode softHsm} where SoftHSM2 is not installed, so that a test file
 * whose tests are then all ignored can still run its setup: nothing is created.
 */
export function absentSoftHsm(): SoftHsm {
  return {
    env: {},
    importKey: () => Promise.resolve(),
    uri: (path) => `pkcs11:token=test;${path}`,
  };
}
