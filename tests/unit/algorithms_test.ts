// Known answers of §1.7 and chunking independence.
import assert from "node:assert/strict";
import {
  type HashAlgorithm,
  hashBytes,
  hasherFactory,
  parseHashAlgorithm,
} from "../../src/hashing/algorithms.ts";
import { toHex } from "../../src/util/encoding.ts";
import { hashRangeTask } from "../../src/hashing/file_range.ts";
import { tempDir } from "../fixtures.ts";

const KNOWN: Record<HashAlgorithm, { test: string; empty: string }> = {
  sha256: {
    test: "a3e49d843df13c2e2a7786f6ecd7e0d184f45d718d1ac1a8a63e570466e489dd",
    empty: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  },
  blake2b: {
    test:
      "3f1b20a13e94ef2a12c50f40de256e0eb444f274b8e2e04e5fb3f572242c858af600a06a0c350eef1645307a9bf2fa1fcb65445a0b3b2b44d0602ab95f4fb802",
    empty:
      "786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce",
  },
  blake3: {
    test: "f3adfd721502f7d9510368688a392ab4f29dbff47092c0aea25f638d4985a8b1",
    empty: "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
  },
};

for (
  const [algorithm, answers] of Object.entries(KNOWN) as [HashAlgorithm, typeof KNOWN.sha256][]
) {
  Deno.test(`${algorithm}: known answers for "Test string" and empty input`, async () => {
    assert.equal(
      toHex(await hashBytes(algorithm, new TextEncoder().encode("Test string"))),
      answers.test,
    );
    assert.equal(toHex(await hashBytes(algorithm, new Uint8Array())), answers.empty);
  });

  Deno.test(`${algorithm}: the read size never changes a file digest`, async () => {
    using tmp = tempDir();
    const data = new Uint8Array(200_017).map((_, i) => (i * 7919) % 251);
    const path = `${tmp.path}/f`;
    Deno.writeFileSync(path, data);
    const expected = toHex(await hashBytes(algorithm, data));
    const newHash = await hasherFactory(algorithm);
    for (const chunk of [1, 7, 64, 4096, 65_536, 1 << 20]) {
      const task = { path, start: 0, end: data.length };
      assert.equal(
        toHex(hashRangeTask(task, data.length, newHash, new Uint8Array(chunk))),
        expected,
      );
    }
  });
}

Deno.test("algorithm names: blake2 is an alias of blake2b; others are refused", () => {
  assert.equal(parseHashAlgorithm("blake2"), "blake2b");
  assert.equal(parseHashAlgorithm("SHA256"), "sha256");
  assert.throws(() => parseHashAlgorithm("md5"), /Unknown hash algorithm 'md5'/);
});
