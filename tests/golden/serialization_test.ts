// The fixture models of §9.2 hash to the manifests the Python serializers wrote (§9.3).
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import type { Manifest } from "../../src/manifest/manifest.ts";
import { buildFixture, FIXTURES, tempDir, VECTORS } from "../fixtures.ts";

const GOLDEN = nodePath.join(VECTORS, "fixtures", "serialization");

function lines(manifest: Manifest): string {
  return manifest.resourceDescriptors().map((r) => `${r.name}:${r.digest}\n`).join("");
}

function config(): HashingConfig {
  return new HashingConfig().setAllowSymlinks(true).setIgnoredPaths({
    paths: [],
    ignoreGitPaths: false,
  });
}

for (const fixture of FIXTURES) {
  Deno.test(`files method: ${fixture} matches the Python manifest`, async () => {
    using tmp = tempDir();
    const model = buildFixture(tmp.path, fixture);
    const got = lines(await config().useFileSerialization().hash(model));
    assert.equal(
      got,
      Deno.readTextFileSync(nodePath.join(GOLDEN, "file", "TestSerializer", fixture)),
    );
  });

  for (const [suffix, shardSize] of [["", 1_000_000_000], ["_small_shards", 8]] as const) {
    Deno.test(`shards method (${shardSize}): ${fixture} matches the Python manifest`, async () => {
      using tmp = tempDir();
      const model = buildFixture(tmp.path, fixture);
      const got = lines(await config().useShardSerialization({ shardSize }).hash(model));
      const golden = nodePath.join(GOLDEN, "file_shard", "TestSerializer", fixture + suffix);
      assert.equal(got, Deno.readTextFileSync(golden));
    });
  }
}
