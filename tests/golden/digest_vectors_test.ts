// `digest` of the golden vector folders equals the root digests of docs/format.md §9.1.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { runCli, runInProcess } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";

const PAIR_8 = "sha256:61d4849d9d90076d6215f4d525f13d6574af8e3f67aef3e6f36fc40a14fdd226";
const PAIR_9 = "sha256:92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4";
const EXPECTED: Record<string, string> = {
  "v0.2.0-certificate": PAIR_8,
  "v1.0.1-certificate": PAIR_8,
  "v1.0.1-sigstore": PAIR_8,
  "v1.0.1-elliptic-key": PAIR_9,
  "v1.1.0-elliptic-key": PAIR_9,
};

for (const [folder, digest] of Object.entries(EXPECTED)) {
  Deno.test(`digest of ${folder} (signature and ignore-me ignored) is ${digest.slice(0, 15)}…`, async () => {
    const dir = nodePath.join(VECTORS, folder);
    const args = [
      "digest",
      dir,
      "--ignore-paths",
      `${dir}/model.sig`,
      "--ignore-paths",
      `${dir}/ignore-me`,
    ];
    const r = await runInProcess(args);
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, `${digest}\n`);
    assert.equal(r.code, 0);
  });
}

Deno.test("digest of the single-file model signme-1 (9 bytes), from inside its folder", async () => {
  const r = await runCli(["digest", "signme-1"], {
    cwd: nodePath.join(VECTORS, "v1.1.0-elliptic-key"),
  });
  assert.equal(
    r.stdout,
    "sha256:afa48c8674afe334b8a7dea34f7b46ab256e9255edf8da2132792341b667a45b\n",
  );
});

Deno.test("digest of '.' from inside a vector folder, with underscore option spelling", async () => {
  const r = await runCli(
    ["digest", ".", "--ignore_paths", "model.sig", "--ignore_paths=ignore-me"],
    {
      cwd: nodePath.join(VECTORS, "v1.0.1-certificate"),
    },
  );
  assert.equal(r.stdout, `${PAIR_8}\n`);
});
