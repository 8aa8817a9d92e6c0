// Messages (issue 17 item 10): mismatch reports stay short however many names differ, while the
// error keeps every name; names are escaped so that nothing invisible, reordering or ambiguous
// reaches the terminal.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { escapeForDisplay, ManifestMismatchError, ModelSigningError } from "../../src/errors.ts";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { compareManifests, MAX_NAMES_SHOWN } from "../../src/api/pipeline.ts";
import type { ExpectedManifest } from "../../src/format/statement.ts";
import { runCli, signKeyArgs } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { ecKeyPair } from "../helpers.ts";
import { sha256Hex, signStatement, statementJson } from "./helpers.ts";

function expectedOf(names: string[]): ExpectedManifest {
  const digest = sha256Hex("x");
  return {
    modelName: "model",
    items: new Map(names.map((n) => [n, { path: n, algorithm: "sha256", digest }])),
    serialization: { method: "files", hashType: "sha256" },
    ignorePaths: [],
  };
}

Deno.test("a 380,000-missing-files mismatch is under 4 KB, and the error keeps all 380,000 names", async () => {
  using dir = tempDir();
  Deno.writeTextFileSync(nodePath.join(dir.path, "present.bin"), "x");
  const actual = await new HashingConfig().hash(dir.path);
  const missing = Array.from(
    { length: 380_000 },
    (_, i) => `layer-${String(i).padStart(6, "0")}.bin`,
  );
  let error: unknown;
  try {
    compareManifests(expectedOf(missing), actual);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ManifestMismatchError);
  const line = `Verification failed with error: ${error.message}\n`;
  assert.ok(new TextEncoder().encode(line).length < 4096, `${line.length} bytes`);
  assert.match(error.message, /layer-000019\.bin … and 379,980 more$/);
  assert.doesNotMatch(error.message, /layer-000020\.bin/);
  assert.match(error.message, /Extra files found in model '[^']*': present\.bin; /);
  assert.equal(error.missing.length, 380_000);
  assert.deepEqual(error.missing, missing);
  assert.deepEqual(error.extra, ["present.bin"]);
});

Deno.test("changed files are capped too, and long names are shortened in the message only", async () => {
  using dir = tempDir();
  const long = "n".repeat(250);
  const names = [long, ...Array.from({ length: 30 }, (_, i) => `c${String(i).padStart(2, "0")}`)];
  for (const n of names) Deno.writeTextFileSync(nodePath.join(dir.path, n), "changed");
  const actual = await new HashingConfig().hash(dir.path);
  let error: unknown;
  try {
    compareManifests(expectedOf(names), actual);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ManifestMismatchError);
  assert.equal(error.changed.length, 31);
  assert.equal((error.message.match(/Hash mismatch for/g) ?? []).length, MAX_NAMES_SHOWN);
  assert.match(error.message, /… and 11 more with a hash mismatch$/);
  assert.ok(error.changed.includes(long));
});

Deno.test("a mismatch through the CLI prints one short line on stderr", async () => {
  using dir = tempDir();
  const model = nodePath.join(dir.path, "model");
  Deno.mkdirSync(model);
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "w");
  const { privateKey, publicKey } = ecKeyPair();
  const resources = Array.from({ length: 5000 }, (_, i) => ({
    name: `gone-${i}.bin`,
    algorithm: "sha256",
    digest: sha256Hex(String(i)),
  }));
  const sig = nodePath.join(dir.path, "model.sig");
  const pub = nodePath.join(dir.path, "pub.pem");
  Deno.writeTextFileSync(sig, JSON.stringify(signStatement(privateKey, statementJson(resources))));
  Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
  const r = await runCli(["verify", "key", "--signature", sig, "--public-key", pub, model]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.ok(r.stderr.length < 4096, `${r.stderr.length} bytes`);
  assert.match(r.stderr, /… and 4,980 more/);
});

Deno.test("escaping: C0, C1, Cf (U+200B, U+202E), separators and combining marks; NFC and NFD differ", () => {
  assert.equal(escapeForDisplay("a\u0000b\u001bc\u007f"), "a\\u0000b\\u001bc\\u007f");
  assert.equal(escapeForDisplay("\u0085\u009b"), "\\u0085\\u009b");
  assert.equal(escapeForDisplay("x\u200By"), "x\\u200by");
  assert.equal(escapeForDisplay("evil\u202Egnp.exe"), "evil\\u202egnp.exe");
  assert.equal(escapeForDisplay("\u2066\uFEFF\u00AD"), "\\u2066\\ufeff\\u00ad");
  assert.equal(escapeForDisplay("a\u2028b\u2029"), "a\\u2028b\\u2029");
  assert.equal(escapeForDisplay("\u{E0001}\uDC00"), "\\u{e0001}\\udc00");
  const nfc = "é.bin".normalize("NFC");
  const nfd = "é.bin".normalize("NFD");
  assert.notEqual(nfc, nfd);
  assert.equal(escapeForDisplay(nfc), "é.bin");
  assert.equal(escapeForDisplay(nfd), "e\\u0301.bin");
  // Printable text, including non-Latin scripts and emoji, is shown as is.
  assert.equal(escapeForDisplay("模型/😀 ok"), "模型/😀 ok");
  // Every error message goes through it.
  assert.equal(
    new ModelSigningError("MISMATCH", `Missing: ${nfd}, ${nfc}, x\u202E`).message,
    "Missing: e\\u0301.bin, é.bin, x\\u202e",
  );
});

Deno.test("NFC/NFD twins in a real mismatch are printed distinguishably", {
  ignore: Deno.build.os === "darwin",
}, async () => {
  using dir = tempDir();
  const nfc = "é.bin".normalize("NFC");
  const nfd = "é.bin".normalize("NFD");
  Deno.writeTextFileSync(nodePath.join(dir.path, nfc), "x");
  Deno.writeTextFileSync(nodePath.join(dir.path, nfd), "x");
  const actual = await new HashingConfig().hash(dir.path);
  let error: unknown;
  try {
    compareManifests(expectedOf(["other.bin"]), actual);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ManifestMismatchError);
  assert.match(error.message, /: e\\u0301\.bin, é\.bin;|: é\.bin, e\\u0301\.bin;/);
});

Deno.test("a failure line that adds the file's name escapes it like any other name", async () => {
  using tmp = tempDir();
  const { generateKeyPairSync } = await import("node:crypto");
  const key = nodePath.join(tmp.path, "ed\n25519\u202e.pem");
  const ed = generateKeyPairSync("ed25519").privateKey;
  Deno.writeTextFileSync(key, ed.export({ type: "pkcs8", format: "pem" }) as string);
  Deno.mkdirSync(nodePath.join(tmp.path, "m"));
  Deno.writeTextFileSync(nodePath.join(tmp.path, "m", "w"), "w");
  const sig = nodePath.join(tmp.path, "s.sig");
  const r = await runCli(signKeyArgs(key, sig, nodePath.join(tmp.path, "m")));
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  assert.ok(
    r.stderr.endsWith(`Only elliptic curve keys are supported (file '${escapeForDisplay(key)}')\n`),
    r.stderr,
  );
});
