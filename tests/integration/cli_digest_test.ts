// The `digest` command and the CLI shape: help, version, exit codes, one-line errors. In-process
// through run(); child processes where the process's exit status or working directory matter.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { runCli, runInProcess } from "../cli.ts";
import { tempDir } from "../fixtures.ts";

function model(root: string): string {
  const m = nodePath.join(root, "model");
  Deno.mkdirSync(nodePath.join(m, "sub"), { recursive: true });
  Deno.writeTextFileSync(nodePath.join(m, "a.bin"), "a".repeat(100));
  Deno.writeTextFileSync(nodePath.join(m, "sub", "b.bin"), "b".repeat(30));
  return m;
}

Deno.test("the process exits with run()'s status: 0 for help, 1 for a failure, 2 for a usage error", async () => {
  using tmp = tempDir();
  assert.equal((await runCli(["--help"])).code, 0);
  assert.equal((await runCli(["digest", nodePath.join(tmp.path, "nope")])).code, 1);
  assert.equal((await runCli(["frobnicate"])).code, 2);
});

Deno.test("--version prints the deno.json version in the Python shape", async () => {
  const r = await runInProcess(["--version"]);
  assert.equal(r.stdout, `model_signing, version ${denoJson.version}\n`);
  assert.equal(r.code, 0);
});

Deno.test("--help works at every level and exits 0", async () => {
  for (const args of [["--help"], ["-h"], ["digest", "--help"], ["digest", "x", "-h"]]) {
    const r = await runInProcess(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.stdout, /^Usage: model_signing/);
  }
});

Deno.test("each method's help describes what its command does: signing for sign, verifying for verify", async () => {
  const top = (await runInProcess(["--help"])).stdout;
  assert.match(
    top,
    /sign +Sign a model \(methods: sigstore, key, certificate, pkcs11-key, pkcs11-certificate\)/,
  );
  for (const method of ["key", "certificate", "sigstore", "pkcs11-key", "pkcs11-certificate"]) {
    const sign = await runInProcess(["sign", method, "--help"]);
    const verify = await runInProcess(["verify", method, "--help"]);
    assert.equal(sign.code + verify.code, 0, method);
    const paragraph = (help: string) => help.split("\n\n")[1];
    assert.match(paragraph(sign.stdout), /^(Sign|Keyless signing)/, method);
    assert.match(paragraph(verify.stdout), /^(Verify|Not a verify method)/, method);
  }
});

Deno.test("usage errors exit 2 with the usage line and one error line", async () => {
  const cases: [string[], RegExp][] = [
    [[], /Error: Missing command\./],
    [["frobnicate"], /Error: No such command 'frobnicate'\./],
    [["digest"], /Error: Missing argument 'MODEL_PATH'\./],
    [["digest", "m", "--bogus"], /Error: Unknown option '--bogus'/],
    [
      ["digest", "m", "--shard-size", "0"],
      /Error: Invalid shard size '0': it must be a positive integer\./,
    ],
    [["digest", "m", "--shard-size", "-5"], /Error: .*shard-size/],
    [["digest", "m", "--hash-algorithm", "md5"], /Error: Unknown hash algorithm 'md5'/],
    [["--log-level", "LOUD", "digest", "m"], /Error: Invalid value for '--log-level'/],
    [["--log-level"], /Error: Option '--log-level <value>' argument missing$/m],
  ];
  for (const [args, message] of cases) {
    const r = await runInProcess(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /^Usage: model_signing/);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\bat .*\.ts:\d+/, "no stack trace");
  }
});

Deno.test("a missing read permission is one line and exit 1 for digest, sign and verify (no stack trace)", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const sig = nodePath.join(tmp.path, "model.sig");
  const cases: [string[], string][] = [
    [["digest", m], "Computing digest failed"],
    [["sign", "key", "--private-key", "k.pem", "--signature", sig, m], "Signing failed with error"],
    [
      ["verify", "key", "--public-key", "k.pem", "--signature", sig, m],
      "Verification failed with error",
    ],
  ];
  for (const [args, prefix] of cases) {
    const r = await runCli(args, { permissions: ["--allow-env"] });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(`${prefix}: Requires read access`), r.stderr);
  }
});

Deno.test("operation failures exit 1 with one 'Computing digest failed' line", async () => {
  using tmp = tempDir();
  Deno.mkdirSync(nodePath.join(tmp.path, "empty"));
  const missing = await runInProcess(["digest", nodePath.join(tmp.path, "nope")]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^Computing digest failed: Cannot use '.*\/nope' as file or directory\./,
  );
  assert.equal(missing.stderr.trim().split("\n").length, 1);
  const empty = await runInProcess(["digest", nodePath.join(tmp.path, "empty")]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /^Computing digest failed: Model '.*empty' has no content to hash/);
});

Deno.test("digest options: algorithm, shards and --json agree with each other", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const plain = await runInProcess(["digest", m]);
  assert.match(plain.stdout, /^sha256:[0-9a-f]{64}\n$/);
  const json = JSON.parse((await runInProcess(["digest", m, "--json"])).stdout);
  assert.equal(json.digest, plain.stdout.trim());
  assert.deepEqual(json.resources.map((r: { name: string }) => r.name), ["a.bin", "sub/b.bin"]);
  const shards = JSON.parse(
    (await runInProcess([
      "digest",
      m,
      "--shard-size",
      "64",
      "--hash-algorithm",
      "blake2b",
      "--json",
    ]))
      .stdout,
  );
  assert.equal(shards.serialization.method, "shards");
  assert.deepEqual(
    shards.resources.map((r: { name: string; algorithm: string }) => `${r.name} ${r.algorithm}`),
    [
      "a.bin:0:64 blake2b-sharded-64",
      "a.bin:64:100 blake2b-sharded-64",
      "sub/b.bin:0:30 blake2b-sharded-64",
    ],
  );
  assert.notEqual(shards.digest, plain.stdout.trim());
});

Deno.test("model path '..' names the parent directory and ignore paths resolve against the cwd", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  const fromSub = JSON.parse(
    (await runCli(["digest", "..", "--ignore-paths", "b.bin", "--json"], {
      cwd: nodePath.join(m, "sub"),
    })).stdout,
  );
  assert.equal(fromSub.model_name, "model");
  assert.deepEqual(fromSub.resources.map((r: { name: string }) => r.name), ["a.bin"]);
  assert.ok(fromSub.serialization.ignore_paths.includes("sub/b.bin"));
});

Deno.test("symlinks: refused without --allow-symlinks; with it a link out of the model warns on stderr", async () => {
  using tmp = tempDir();
  const m = model(tmp.path);
  Deno.writeTextFileSync(nodePath.join(tmp.path, "outside"), "secret");
  Deno.symlinkSync(nodePath.join(tmp.path, "outside"), nodePath.join(m, "link"));
  const refused = await runInProcess(["digest", m]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /because it is a symlink\. This behavior can be changed with `allow_symlinks`/,
  );
  const allowed = await runInProcess(["digest", m, "--allow_symlinks"]);
  assert.equal(allowed.code, 0);
  assert.match(allowed.stderr, /Symlink '.*\/link' points outside the model to '.*\/outside'/);
});
