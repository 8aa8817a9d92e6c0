/**
 * Signing safety: the signature appears complete or not at all (also when
 * the process is interrupted), an unwritable folder is a clean error, and no
 * secret (private key, password) ever reaches the output.
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { OutputError } from "../../src/errors.ts";
import { constants as osConstants } from "node:os";
import { TERMINATING_SIGNALS, writeFileAtomic } from "../../src/api/atomic_write.ts";
import { SigningConfig } from "../../src/api/signing_config.ts";
import { ROOT as REPO, runCli, runInProcess } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { rejection } from "../helpers.ts";

const PASSWORD = "pw-Zq81-never-shown";
const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const PRIVATE_PEM = pair.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
const ENCRYPTED_PEM = pair.privateKey.export({
  type: "pkcs8",
  format: "pem",
  cipher: "aes-256-cbc",
  passphrase: PASSWORD,
}) as string;
const PUBLIC_PEM = pair.publicKey.export({ type: "spki", format: "pem" }) as string;
/** Lines of the private keys' base64 bodies: none may ever be printed. */
const SECRET_LINES = [PRIVATE_PEM, ENCRYPTED_PEM].flatMap((pem) =>
  pem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"))
);

function setup(parent: string) {
  const model = nodePath.join(parent, "model");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "weights.bin"), "weights");
  const files = {
    model,
    key: nodePath.join(parent, "key.pem"),
    encrypted: nodePath.join(parent, "enc.pem"),
    pub: nodePath.join(parent, "key.pub"),
  };
  Deno.writeTextFileSync(files.key, PRIVATE_PEM);
  Deno.writeTextFileSync(files.encrypted, ENCRYPTED_PEM);
  Deno.writeTextFileSync(files.pub, PUBLIC_PEM);
  return files;
}

const tempFiles = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));

Deno.test("writeFileAtomic replaces a file completely and leaves no temporary file", () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "model.sig");
  Deno.writeTextFileSync(path, "old signature, longer than the new one");
  writeFileAtomic(path, new TextEncoder().encode("new"));
  assert.equal(Deno.readTextFileSync(path), "new");
  assert.deepEqual(tempFiles(dir.path), []);
});

Deno.test("writing into a missing folder is an OutputError and leaves nothing", () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "missing", "model.sig");
  assert.throws(() => writeFileAtomic(path, new Uint8Array(1)), OutputError);
  assert.deepEqual([...Deno.readDirSync(dir.path)], []);
});

/**
 * A folder this process cannot write to: a mode-0555 folder for a normal
 * user; as root (which ignores modes) sysfs, which refuses new files to root too.
 */
function readOnlyFolder(parent: string): string | undefined {
  if (Deno.uid() !== 0) {
    const dir = nodePath.join(parent, "read-only");
    Deno.mkdirSync(dir, { mode: 0o555 });
    return dir;
  }
  try {
    Deno.writeFileSync("/sys/.msig-probe", new Uint8Array(), { createNew: true });
    Deno.removeSync("/sys/.msig-probe");
    return undefined; // writable after all: no read-only folder available
  } catch {
    return Deno.statSync("/sys").isDirectory ? "/sys" : undefined;
  }
}

Deno.test("signing into a read-only folder fails cleanly: library and CLI", async () => {
  using dir = tempDir();
  const f = setup(dir.path);
  const folder = readOnlyFolder(dir.path);
  assert.ok(folder, "no read-only folder could be made");
  const sig = nodePath.join(folder, "model.sig");
  const e = await rejection(() =>
    new SigningConfig().useEllipticKeySigner({ privateKey: f.key }).sign(f.model, sig)
  );
  assert.ok(e instanceof OutputError, `${e.name}: ${e.message}`);
  assert.equal(e.path, sig);
  assert.match(e.message, /^Cannot write signature '.*model\.sig': permission denied$/);
  const r = await runInProcess([
    "sign",
    "key",
    "--private-key",
    f.key,
    "--signature",
    sig,
    f.model,
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, `Signing failed with error: ${e.message}\n`);
  assert.ok(!Deno.statSync(folder).isFile);
  assert.ok([...Deno.readDirSync(folder)].every((x) => !x.name.includes("model.sig")));
});

for (const signal of TERMINATING_SIGNALS) {
  Deno.test(`${signal} during the signature write: the file is complete, nothing else is left, the signal is honoured`, async () => {
    using dir = tempDir();
    const target = nodePath.join(dir.path, "model.sig");
    const release = nodePath.join(dir.path, "release");
    // The child stops inside the write (after the data, before the rename)
    // until the parent has sent SIGINT: the signal lands in the window for sure.
    const script = nodePath.join(dir.path, "child.ts");
    Deno.writeTextFileSync(
      script,
      `import { writeFileAtomic } from ${
        JSON.stringify(nodePath.join(REPO, "src/api/atomic_write.ts"))
      };
const sync = Deno.FsFile.prototype.syncSync;
Deno.FsFile.prototype.syncSync = function () {
  console.log("writing");
  while (true) { try { Deno.statSync(${JSON.stringify(release)}); break; } catch { /* wait */ } }
  return sync.call(this);
};
writeFileAtomic(${JSON.stringify(target)}, new TextEncoder().encode("complete signature"));
await new Promise((r) => setTimeout(r, 1000));
console.log("not interrupted");
`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.getReader();
    const first = await reader.read();
    assert.equal(new TextDecoder().decode(first.value), "writing\n");
    child.kill(signal);
    Deno.writeFileSync(release, new Uint8Array());
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest += new TextDecoder().decode(r.value);
    }
    const status = await child.status;
    await child.stderr.cancel();
    assert.equal(status.code, 128 + (osConstants.signals as Record<string, number>)[signal]);
    assert.equal(rest, "", "the process went on after the signal");
    assert.equal(Deno.readTextFileSync(target), "complete signature");
    assert.deepEqual(tempFiles(dir.path), []);
  });
}

Deno.test("SIGINT at any moment of a CLI sign leaves a complete signature or none", {
  ignore: Deno.build.os === "windows", // no SIGINT to send there
}, async () => {
  using dir = tempDir();
  const f = setup(dir.path);
  // Enough data that the signal often lands during hashing.
  Deno.writeFileSync(nodePath.join(f.model, "big.bin"), new Uint8Array(64 << 20));
  for (const delay of [0, 100, 300, 600, 1000]) {
    const sig = nodePath.join(dir.path, `model-${delay}.sig`);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", nodePath.join(REPO, "main.ts"), "sign", "key"]
        .concat(["--private-key", f.key, "--signature", sig, f.model]),
      stdout: "null",
      stderr: "null",
    }).spawn();
    await new Promise((r) => setTimeout(r, delay));
    try {
      child.kill("SIGINT");
    } catch {
      // Already finished.
    }
    const status = await child.status;
    let exists = true;
    try {
      Deno.statSync(sig);
    } catch {
      exists = false;
    }
    if (exists) {
      const v = await runInProcess([
        "verify",
        "key",
        "--public-key",
        f.pub,
        "--signature",
        sig,
        f.model,
      ]);
      assert.equal(v.code, 0, `delay ${delay}: the signature left behind does not verify`);
    } else {
      assert.notEqual(status.code, 0, `delay ${delay}: success without a signature`);
    }
    assert.deepEqual(tempFiles(dir.path), [], `delay ${delay}`);
  }
});

Deno.test("no private key material or password ever appears in the output", async () => {
  using dir = tempDir();
  const f = setup(dir.path);
  const sig = nodePath.join(dir.path, "model.sig");
  // Success, most verbose (its signature is used by the verify runs below).
  const first = await runCli([
    "--log-level",
    "DEBUG",
    "sign",
    "key",
    "--private-key",
    f.encrypted,
    "--password",
    PASSWORD,
    "--signature",
    sig,
    f.model,
  ]);
  const runs = [
    first,
    ...await Promise.all([
      // Wrong password; a password for a key that has none (accepted and unused).
      runCli([
        "--log-level",
        "DEBUG",
        "sign",
        "key",
        "--private-key",
        f.encrypted,
        "--password",
        `${PASSWORD}x`,
        "--signature",
        `${sig}2`,
        f.model,
      ]),
      runCli([
        "--log-level",
        "DEBUG",
        "sign",
        "key",
        "--private-key",
        f.key,
        "--password",
        PASSWORD,
        "--signature",
        `${sig}3`,
        f.model,
      ]),
      // A usage error on the same command line.
      runCli([
        "sign",
        "key",
        `--password=${PASSWORD}`,
        "--private-key",
        f.key,
        "--no-such-option",
        f.model,
      ]),
      // Key files given where other files are expected (a private key as the
      // public key works: its public half is used).
      runCli([
        "--log-level",
        "DEBUG",
        "verify",
        "key",
        "--public-key",
        f.key,
        "--signature",
        sig,
        f.model,
      ]),
      runCli([
        "--log-level",
        "DEBUG",
        "verify",
        "key",
        "--public-key",
        f.pub,
        "--signature",
        f.key,
        f.model,
      ]),
      runCli([
        "--log-level",
        "DEBUG",
        "sign",
        "certificate",
        "--private-key",
        f.key,
        "--signing-certificate",
        f.encrypted,
        "--signature",
        `${sig}4`,
        f.model,
      ]),
    ]),
  ];
  assert.equal(runs[0].code, 0, runs[0].stderr);
  for (const [i, r] of runs.entries()) {
    const out = r.stdout + r.stderr;
    assert.ok(!out.includes(PASSWORD), `run ${i} shows the password: ${out}`);
    for (const line of SECRET_LINES) {
      assert.ok(!out.includes(line.slice(0, 16)), `run ${i} shows key material: ${out}`);
    }
    const succeeds = i === 0 || i === 2 || i === 4;
    assert.equal(r.code === 0, succeeds, `run ${i}: unexpected exit ${r.code}: ${out}`);
  }
  // The signature itself holds the public key's hint only.
  const bundle = Deno.readTextFileSync(sig);
  for (const line of SECRET_LINES) assert.ok(!bundle.includes(line.slice(0, 16)));
});
