// The key and certificate signatures written by released Python versions verify through our CLI
// exactly as tests/testdata/README.md and docs/format.md §6.4 say, and stop verifying after any change that
// matters (signed bytes, files, key, CA, payload, signature) but not after changes that do not.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { fromBase64, toBase64 } from "../../src/util/encoding.ts";
import { newCa } from "../certs.ts";
import { type CliResult, runCli, runInProcess } from "../cli.ts";
import { tempDir, VECTORS } from "../fixtures.ts";

interface Vector {
  folder: string;
  method: "key" | "certificate";
  /** The files the signature covers. */
  signed: string[];
  /** Whether the folder holds an unsigned `ignore-me` that must be passed as ignored. */
  ignoreMe: boolean;
}

const VECTOR_LIST: Vector[] = [
  {
    folder: "v0.2.0-certificate",
    method: "certificate",
    signed: ["signme-1", "signme-2"],
    ignoreMe: false,
  },
  {
    folder: "v1.0.1-certificate",
    method: "certificate",
    signed: ["signme-1", "signme-2"],
    ignoreMe: true,
  },
  {
    folder: "v1.0.1-elliptic-key",
    method: "key",
    signed: ["signme-1", "signme-2"],
    ignoreMe: true,
  },
  {
    folder: "v1.1.0-elliptic-key",
    method: "key",
    signed: ["signme-1", "signme-2"],
    ignoreMe: true,
  },
];

/** Where the files of one verification run are, relative to the run's working directory. */
interface Layout {
  /** Working directory. */
  cwd: string;
  /** Model path argument. */
  model: string;
  /** Prefix of files inside the model (`folder/` or ``). */
  inModel: string;
  /** Folder of the golden keys. */
  keys: string;
}

/** From the vectors root, as the README's commands run. */
const fromRoot = (root: string, v: Vector): Layout => ({
  cwd: root,
  model: `${v.folder}/`,
  inModel: `${v.folder}/`,
  keys: "keys/certificate",
});

/** From inside the vector's own folder: model path `.`, paths relative to it. */
const fromInside = (root: string, v: Vector): Layout => ({
  cwd: nodePath.join(root, v.folder),
  model: ".",
  inModel: "",
  keys: "../keys/certificate",
});

/** Absolute paths below `root`, for runs in this process (whose directory is not `root`). */
const absolute = (root: string, v: Vector): Layout => ({
  cwd: root,
  model: nodePath.join(root, v.folder),
  inModel: `${nodePath.join(root, v.folder)}/`,
  keys: nodePath.join(root, "keys", "certificate"),
});

/** A path inside the vectors folder. */
const inVectors = (rel: string) => nodePath.join(VECTORS, rel);

/** Overrides of the trust material (a wrong key or CA). */
interface Trust {
  publicKey?: string;
  caCert?: string;
}

function verifyArgs(v: Vector, at: Layout, trust: Trust = {}, extra: string[] = []): string[] {
  const material = v.method === "key"
    ? ["--public-key", trust.publicKey ?? `${at.keys}/signing-key-pub.pem`]
    : ["--certificate-chain", trust.caCert ?? `${at.keys}/ca-cert.pem`];
  const ignore = v.ignoreMe ? ["--ignore-paths", `${at.inModel}ignore-me`] : [];
  return [
    "verify",
    v.method,
    ...ignore,
    "--signature",
    `${at.inModel}model.sig`,
    ...material,
    ...extra,
    at.model,
  ];
}

function assertVerified(r: CliResult, what: string): void {
  assert.equal(r.code, 0, `${what}: ${r.stderr}`);
  assert.equal(r.stdout.trim().split("\n").at(-1), "Verification succeeded", what);
}

function assertFailed(r: CliResult, what: string): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}, ${r.stdout} ${r.stderr}`);
  assert.ok(!r.stdout.includes("Verification succeeded"), what);
  const lines = r.stderr.trim().split("\n");
  assert.match(lines.at(-1)!, /^Verification failed with error: /, what);
}

/** A writable copy of the vector folder and the golden keys, laid out as in `tests/testdata/`. */
function copyVectors(dest: string, v: Vector): void {
  for (const dir of [v.folder, "keys/certificate"]) {
    Deno.mkdirSync(nodePath.join(dest, dir), { recursive: true });
    for (const entry of Deno.readDirSync(nodePath.join(VECTORS, dir))) {
      const to = nodePath.join(dest, dir, entry.name);
      Deno.copyFileSync(nodePath.join(VECTORS, dir, entry.name), to);
      Deno.chmodSync(to, 0o644);
    }
  }
}

/** A mutation of a fresh copy, and whether verification must still pass after it. */
interface Mutation {
  what: string;
  /** Changes the copy at `root`; may return a different trust or extra arguments. */
  apply(root: string, v: Vector): Promise<{ trust?: Trust; extra?: string[] } | void>;
  passes: boolean;
  /** What the failure message must say (for mutations that fail). */
  says?: RegExp;
}

// deno-lint-ignore no-explicit-any
function editBundle(root: string, v: Vector, edit: (b: Record<string, any>) => void): void {
  const path = nodePath.join(root, v.folder, "model.sig");
  const bundle = JSON.parse(Deno.readTextFileSync(path));
  edit(bundle);
  Deno.writeTextFileSync(path, JSON.stringify(bundle));
}

function flipByte(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] ^= 0x01;
  return copy;
}

function mutations(v: Vector): Mutation[] {
  const list: Mutation[] = [];
  for (const file of v.signed) {
    list.push({
      what: `a changed byte of ${file}`,
      passes: false,
      says: new RegExp(`Hash mismatch for '${file}'`),
      apply: (root) => {
        const path = nodePath.join(root, v.folder, file);
        Deno.writeFileSync(path, flipByte(Deno.readFileSync(path), 0));
        return Promise.resolve();
      },
    });
    list.push({
      what: `${file} removed`,
      passes: false,
      says: new RegExp(`Missing files in model '[^']*': ${file}`),
      apply: (root) => Promise.resolve(Deno.removeSync(nodePath.join(root, v.folder, file))),
    });
  }
  list.push(
    {
      what: "an added file",
      passes: false,
      says: /Extra files found in model '[^']*': extra/,
      apply: (root) =>
        Promise.resolve(Deno.writeTextFileSync(nodePath.join(root, v.folder, "extra"), "x")),
    },
    {
      what: "an added file with --ignore-unsigned-files",
      passes: true,
      apply: (root) => {
        Deno.writeTextFileSync(nodePath.join(root, v.folder, "extra"), "x");
        return Promise.resolve({ extra: ["--ignore-unsigned-files"] });
      },
    },
    {
      what: "a changed byte of the payload",
      passes: false,
      says: /signature does not verify/,
      apply: (root) => {
        editBundle(root, v, (b) => {
          const payload = fromBase64(b.dsseEnvelope.payload)!;
          b.dsseEnvelope.payload = toBase64(flipByte(payload, payload.length - 3));
        });
        return Promise.resolve();
      },
    },
    {
      what: "a changed byte of the signature",
      passes: false,
      says: /signature does not verify/,
      apply: (root) => {
        editBundle(root, v, (b) => {
          const sig = fromBase64(b.dsseEnvelope.signatures[0].sig)!;
          b.dsseEnvelope.signatures[0].sig = toBase64(flipByte(sig, 20));
        });
        return Promise.resolve();
      },
    },
    {
      what: "model.sig reformatted (whitespace) with another keyid",
      passes: true,
      apply: (root) => {
        const path = nodePath.join(root, v.folder, "model.sig");
        const bundle = JSON.parse(Deno.readTextFileSync(path));
        bundle.dsseEnvelope.signatures[0].keyid = "some-key";
        Deno.writeTextFileSync(path, JSON.stringify(bundle, null, "\t") + "\n\n");
        return Promise.resolve();
      },
    },
  );
  if (v.ignoreMe) {
    list.push({
      what: "a changed ignore-me",
      passes: true,
      apply: (root) =>
        Promise.resolve(
          Deno.writeTextFileSync(nodePath.join(root, v.folder, "ignore-me"), "not signed"),
        ),
    });
  }
  if (v.method === "key") {
    list.push({
      what: "a fresh public key",
      passes: false,
      says: /Key mismatch|signature does not verify/,
      apply: (root) => {
        const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
        const path = nodePath.join(root, "fresh-pub.pem");
        Deno.writeTextFileSync(path, publicKey.export({ type: "spki", format: "pem" }) as string);
        return Promise.resolve({ trust: { publicKey: path } });
      },
    });
  } else {
    list.push({
      what: "a fresh CA",
      passes: false,
      says: /Certificate chain does not validate/,
      apply: async (root) => {
        const ca = await newCa("root-ca");
        const path = nodePath.join(root, "fresh-ca.pem");
        Deno.writeTextFileSync(path, ca.certPem);
        return { trust: { caCert: path } };
      },
    });
  }
  return list;
}

for (const v of VECTOR_LIST) {
  Deno.test(`${v.folder} verifies from the vectors folder`, async () => {
    const r = await runCli(verifyArgs(v, fromRoot(VECTORS, v)), { cwd: VECTORS });
    assertVerified(r, v.folder);
  });

  Deno.test(`${v.folder} verifies from inside its folder (model path '.')`, async () => {
    const r = await runCli(verifyArgs(v, fromInside(VECTORS, v)), {
      cwd: nodePath.join(VECTORS, v.folder),
    });
    assertVerified(r, v.folder);
  });

  // In this process with absolute paths: the two tests above cover relative paths and '.'.
  for (const m of mutations(v)) {
    Deno.test(`${v.folder}: ${m.passes ? "still verifies" : "fails"} after ${m.what}`, async () => {
      using run = tempDir();
      copyVectors(run.path, v);
      const at = absolute(run.path, v);
      const changed = (await m.apply(run.path, v)) ?? {};
      const r = await runInProcess(verifyArgs(v, at, changed.trust, changed.extra));
      const what = `${v.folder}, ${m.what}`;
      if (m.passes) assertVerified(r, what);
      else {
        assertFailed(r, what);
        assert.match(r.stderr, m.says!, what);
      }
    });
  }
}

Deno.test("v1.1.0-elliptic-key verifies without --ignore-paths: the signed ignore list applies", async () => {
  const v = VECTOR_LIST[3];
  const args = verifyArgs({ ...v, ignoreMe: false }, absolute(VECTORS, v));
  assertVerified(await runInProcess(args), v.folder);
});

Deno.test("v1.0.1 vectors need --ignore-paths: ignore-me is reported as an extra file", async () => {
  for (const v of VECTOR_LIST.filter((v) => v.folder.startsWith("v1.0.1"))) {
    const r = await runInProcess(verifyArgs({ ...v, ignoreMe: false }, absolute(VECTORS, v)));
    assertFailed(r, v.folder);
    assert.match(r.stderr, new RegExp(`Extra files found in model '${v.folder}': ignore-me`));
  }
});

Deno.test("pre-1.1 key material prints the old-format warning; the 1.1.0 hint does not", async () => {
  const [old, current] = [VECTOR_LIST[2], VECTOR_LIST[3]];
  const warning = "This model's signature uses an older verification material format.";
  const r1 = await runInProcess(verifyArgs(old, absolute(VECTORS, old)));
  assert.ok((r1.stdout + r1.stderr).includes(warning));
  const r2 = await runInProcess(verifyArgs(current, absolute(VECTORS, current)));
  assert.ok(!(r2.stdout + r2.stderr).includes(warning));
});

Deno.test("verify key on a certificate vector: accepted with the old-format warning (§5.2)", async () => {
  const r = await runInProcess([
    "verify",
    "key",
    "--ignore-paths",
    inVectors("v1.0.1-certificate/ignore-me"),
    "--signature",
    inVectors("v1.0.1-certificate/model.sig"),
    "--public-key",
    inVectors("keys/certificate/signing-key-pub.pem"),
    inVectors("v1.0.1-certificate"),
  ]);
  assertVerified(r, "v1.0.1-certificate as key");
  assert.match(r.stdout + r.stderr, /older verification material format/);
});

Deno.test("verify key on the v0.2.0 vector fails: the legacy key fallback uses the curve's hash (§6.2)", async () => {
  const r = await runInProcess([
    "verify",
    "key",
    "--signature",
    inVectors("v0.2.0-certificate/model.sig"),
    "--public-key",
    inVectors("keys/certificate/signing-key-pub.pem"),
    inVectors("v0.2.0-certificate"),
  ]);
  assertFailed(r, "v0.2.0-certificate as key");
  assert.match(r.stderr, /signature does not verify/);
});

Deno.test("verify certificate on a key vector fails: no certificate chain in the signature", async () => {
  const v = VECTOR_LIST[3];
  const r = await runInProcess([
    "verify",
    "certificate",
    "--signature",
    inVectors(`${v.folder}/model.sig`),
    "--certificate-chain",
    inVectors("keys/certificate/ca-cert.pem"),
    inVectors(v.folder),
  ]);
  assertFailed(r, v.folder);
  assert.match(r.stderr, /no X\.509 certificate chain/);
});
