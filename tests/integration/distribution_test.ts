// The ways the program is shipped: from a URL, installed with `deno install`,
// run from outside the repository, and the compile script's runtime check.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { ROOT } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { writeKeyPair } from "../helpers.ts";
import { serveDirectory } from "../http_server.ts";

const dec = new TextDecoder();

async function deno(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Signs and verifies `model` with `run` (the program under test), then checks a tampered model fails. */
async function keyRoundTrip(
  run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>,
  dir: string,
  model: string,
): Promise<void> {
  const { key, pub } = writeKeyPair(dir);
  const sig = nodePath.join(dir, "model.sig");
  const signed = await run(["sign", "key", "--private-key", key, "--signature", sig, model]);
  assert.equal(signed.stdout, "Signing succeeded\n", signed.stderr);
  const verified = await run(["verify", "key", "--public-key", pub, "--signature", sig, model]);
  assert.equal(verified.stdout, "Verification succeeded\n", verified.stderr);
  Deno.writeTextFileSync(nodePath.join(model, "w.bin"), "tampered");
  const tampered = await run(["verify", "key", "--public-key", pub, "--signature", sig, model]);
  assert.equal(tampered.code, 1);
  assert.match(
    tampered.stderr,
    /^Verification failed with error: Signature mismatch: Hash mismatch for 'w\.bin'/,
  );
}

function smallModel(root: string): string {
  const m = nodePath.join(root, "model");
  Deno.mkdirSync(m);
  Deno.writeTextFileSync(nodePath.join(m, "w.bin"), "weights");
  return m;
}

const EXPECTED_DIGEST = async (model: string) =>
  (await deno(["run", "--allow-all", "--quiet", nodePath.join(ROOT, "main.ts"), "digest", model], {
    cwd: ROOT,
  }))
    .stdout;

Deno.test("deno run <url>/main.ts works without the repository's deno.json", async () => {
  await using server = serveDirectory(ROOT);
  using tmp = tempDir();
  const model = smallModel(tmp.path);
  const perms = [
    `--allow-import=${server.host}`,
    "--allow-read",
    "--allow-env",
    `--allow-net=${server.host}`,
  ];
  const help = await deno(["run", "--quiet", ...perms, `${server.url}/main.ts`, "--help"], {
    cwd: tmp.path,
  });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^Usage: model_signing/);
  const digest = await deno(
    ["run", "--quiet", ...perms, `${server.url}/main.ts`, "digest", model],
    { cwd: tmp.path },
  );
  assert.equal(digest.code, 0, digest.stderr);
  assert.equal(digest.stdout, await EXPECTED_DIGEST(model));
  const writable = [...perms, "--allow-write"];
  await keyRoundTrip(
    (args) =>
      deno(["run", "--quiet", ...writable, `${server.url}/main.ts`, ...args], { cwd: tmp.path }),
    tmp.path,
    model,
  );
});

Deno.test("deno install -g -n model_signing from a URL into a temporary root", async () => {
  await using server = serveDirectory(ROOT);
  using tmp = tempDir();
  const root = nodePath.join(tmp.path, "install-root");
  const install = await deno([
    "install",
    "--global",
    "--quiet",
    "--root",
    root,
    "--name",
    "model_signing",
    `--allow-import=${server.host}`,
    "--allow-read",
    "--allow-env",
    `${server.url}/main.ts`,
  ], { cwd: tmp.path });
  assert.equal(install.code, 0, install.stderr);
  const bin = nodePath.join(
    root,
    "bin",
    Deno.build.os === "windows" ? "model_signing.cmd" : "model_signing",
  );
  const version = await new Deno.Command(bin, {
    args: ["--version"],
    env: { PATH: nodePath.dirname(Deno.execPath()) },
  })
    .output();
  assert.equal(
    dec.decode(version.stdout),
    `model_signing, version ${denoJson.version}\n`,
    dec.decode(version.stderr),
  );
});

Deno.test("the CLI runs from a directory outside the repository (no deno.json found)", async () => {
  using tmp = tempDir();
  const model = smallModel(tmp.path);
  const perms = ["--allow-read", "--allow-write", "--allow-env"];
  const run = (args: string[]) =>
    deno(["run", "--quiet", ...perms, nodePath.join(ROOT, "main.ts"), ...args], { cwd: tmp.path });
  const r = await run(["digest", "model"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, await EXPECTED_DIGEST(model));
  await keyRoundTrip(run, tmp.path, model);
});

Deno.test({
  name:
    "compile script: with DENORT_BIN, the executable signs and verifies from outside the repository",
  ignore: !Deno.env.get("DENORT_BIN"), // no denort can be downloaded here; runs where one is provided
  async fn() {
    const built = await deno(["run", "--allow-all", nodePath.join(ROOT, "scripts", "compile.ts")], {
      cwd: ROOT,
    });
    assert.equal(built.code, 0, built.stderr);
    const binary = built.stdout.trim().split("\n").at(-1)!;
    const sum = Deno.readTextFileSync(`${binary}.sha256`).split(" ")[0];
    assert.match(sum, /^[0-9a-f]{64}$/);
    using tmp = tempDir();
    const model = smallModel(tmp.path);
    await keyRoundTrip(
      async (args) => {
        const out = await new Deno.Command(binary, { args, cwd: tmp.path, stdin: "null" }).output();
        return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
      },
      tmp.path,
      model,
    );
  },
});

Deno.test({
  name: "compile script: without DENORT_BIN it fails with one line naming denort and DENORT_BIN",
  ignore: Deno.env.get("DENORT_BIN") !== undefined,
  async fn() {
    const r = await deno([
      "run",
      "--allow-all",
      nodePath.join(ROOT, "scripts", "compile.ts"),
      "--target",
      "x86_64-pc-windows-msvc",
    ], {
      cwd: ROOT,
      env: { DENORT_BIN: "" },
    });
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^compile: cannot download the Deno runtime 'denort'.*DENORT_BIN/);
  },
});
