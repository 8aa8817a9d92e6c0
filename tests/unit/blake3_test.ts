// Our BLAKE3 (WebAssembly SIMD kernels + tree in blake3.ts) against b3sum and hash-wasm around
// every power-of-two chunk boundary, fed in random pieces, in and out of its own memory, with
// each whole-chunk kernel (hash4, hash8) and with the timed choice between them; the
// subtree/combine split gives the serial digest for every part size; the committed module is
// the generator's output. tests/integration/blake3_revectorize_test.ts runs this file again
// with V8's revectorizer on, which compiles hash8 into other (256-bit) code.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { createBLAKE3 } from "hash-wasm";
import { Blake3, BLAKE3_CHUNK, type Blake3Lanes } from "../../src/hashing/blake3.ts";
import { toHex } from "../../src/util/encoding.ts";
import { BLAKE3_WASM_PATH, blake3WasmSource } from "../../scripts/build_blake3_wasm.ts";
import { tempDir } from "../fixtures.ts";
import { prng } from "../helpers.ts";

/** Sizes 0…64 bytes, then at, just below and above, and at a random offset from 2^k chunks. */
function boundarySizes(rand: () => number, maxPower: number): number[] {
  const sizes = [0, 1, 63, 64, 65, 127, 128, 1000];
  for (let k = 0; k <= maxPower; k++) {
    const n = BLAKE3_CHUNK * 2 ** k;
    sizes.push(n - 1, n, n + 1, n + 1 + Math.floor(rand() * BLAKE3_CHUNK * 3));
  }
  return sizes;
}

function message(size: number, seed: number): Uint8Array {
  const rand = prng(seed);
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i % 251) ^ (i % 4093 === 0 ? rand() * 256 : 0);
  return data;
}

/** Feeds `data` in random pieces (including empty ones). */
function feed(update: (d: Uint8Array) => void, data: Uint8Array, rand: () => number): void {
  for (let off = 0; off < data.length;) {
    const max = rand() < 0.5 ? 100 : 300_000;
    const end = Math.min(data.length, off + Math.floor(rand() * max));
    update(data.subarray(off, end));
    off = end;
  }
}

function b3sumAvailable(): boolean {
  try {
    return new Deno.Command("b3sum", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("blake3: the committed WebAssembly module is the generator's output", () => {
  assert.equal(Deno.readTextFileSync(BLAKE3_WASM_PATH), blake3WasmSource());
});

/** Each whole-chunk kernel alone, then the default (both timed, the faster kept). */
const KERNELS: [string, Blake3Lanes | undefined][] = [
  ["hash4", 4],
  ["hash8", 8],
  ["timed choice", undefined],
];

for (const [kernel, lanes] of KERNELS) {
  Deno.test(`blake3 (${kernel}): digests equal b3sum and hash-wasm around every power-of-two chunk boundary`, async () => {
    const rand = prng(7);
    const sizes = boundarySizes(rand, 12); // up to 4 MiB + 3 chunks
    const b3 = await Blake3.create(lanes);
    const reference = await createBLAKE3();
    using dir = tempDir();
    const ours: string[] = [];
    const files: string[] = [];
    for (const [i, size] of sizes.entries()) {
      const data = message(size, i);
      const h = b3.newHash();
      feed((d) => h.update(d), data, rand);
      ours.push(toHex(h.digest()));
      reference.init();
      reference.update(data);
      assert.equal(ours[i], reference.digest("hex"), `hash-wasm, size ${size}`);
      files.push(nodePath.join(dir.path, `m${i}`));
      Deno.writeFileSync(files[i], data);
    }
    if (!b3sumAvailable()) {
      console.warn("b3sum not installed (Debian package b3sum): compared with hash-wasm only");
      return;
    }
    const out = new Deno.Command("b3sum", { args: ["--no-names", ...files] }).outputSync();
    assert.ok(out.success);
    assert.deepEqual(new TextDecoder().decode(out.stdout).trim().split("\n"), ours);
  });
}

Deno.test("blake3: the timed choice settles on one kernel and hashes like each alone", async () => {
  // 80 MiB through a read buffer in 1 MiB updates, as the engine reads: past both kernels'
  // probe, so the chosen one hashes the end. Which one wins depends on the machine and V8.
  const instances = await Promise.all(KERNELS.map(([, lanes]) => Blake3.create(lanes)));
  const piece = message(1 << 20, 5);
  const digests = instances.map((b3) => {
    const [buffer] = b3.readBuffers(piece.length);
    buffer.set(piece);
    const h = b3.newHash();
    for (let i = 0; i < 80; i++) {
      buffer[0] = i; // each MiB differs from the one before
      h.update(buffer);
    }
    return toHex(h.digest());
  });
  assert.equal(digests[1], digests[0]);
  assert.equal(digests[2], digests[0]);
  assert.ok(instances[2].lanes === 4 || instances[2].lanes === 8, `chose ${instances[2].lanes}`);
});

Deno.test("blake3: both kernels agree on subtrees whose chunk counter needs its high word", async () => {
  const [four, eight] = await Promise.all([Blake3.create(4), Blake3.create(8)]);
  const data = message(64 * BLAKE3_CHUNK, 9);
  for (const first of [2 ** 32, 2 ** 32 - 64, 3 * 2 ** 32 + 1024, 2 ** 40]) {
    const [a, b] = [four, eight].map((b3) => {
      const h = b3.newSubtree(first);
      h.update(data);
      return toHex(h.digest());
    });
    assert.equal(b, a, `first chunk ${first}`);
  }
});

Deno.test("blake3: data in the module's own read buffers is hashed like any other", async () => {
  const b3 = await Blake3.create();
  const [first, second] = b3.readBuffers(64 * 1024 + 7);
  const rand = prng(3);
  for (const size of [0, 5000, 64 * 1024 + 7, 2 * (64 * 1024 + 7), 300_001]) {
    const data = message(size, size);
    const whole = b3.newHash();
    whole.update(data);
    const expected = toHex(whole.digest());
    const h = b3.newHash();
    for (let off = 0, k = 0; off < size; k++) {
      const buffer = k % 2 ? second : first;
      const n = Math.min(buffer.length, size - off, 1 + Math.floor(rand() * buffer.length));
      buffer.set(data.subarray(off, off + n));
      h.update(buffer.subarray(0, n));
      off += n;
    }
    assert.equal(toHex(h.digest()), expected, `size ${size}`);
  }
});

// Each kernel alone: the timed choice only ever runs one of them.
for (const [kernel, lanes] of KERNELS.filter(([, lanes]) => lanes !== undefined)) {
  Deno.test(`blake3 (${kernel}): subtrees of any power-of-two size combine into the serial digest`, async () => {
    const b3 = await Blake3.create(lanes);
    const rand = prng(11);
    for (const size of boundarySizes(rand, 9)) {
      const data = message(size, size + 1);
      const whole = b3.newHash();
      whole.update(data);
      const expected = toHex(whole.digest());
      for (let chunks = 1; chunks <= 64; chunks *= 2) {
        const part = chunks * BLAKE3_CHUNK;
        if (size <= part) continue; // one part is the whole message: not split
        const cvs: Uint8Array[] = [];
        for (let start = 0; start < size; start += part) {
          const h = b3.newSubtree(start / BLAKE3_CHUNK);
          feed((d) => h.update(d), data.subarray(start, Math.min(size, start + part)), rand);
          cvs.push(h.digest());
        }
        assert.equal(toHex(b3.combine(cvs)), expected, `size ${size}, parts of ${chunks} chunks`);
      }
    }
  });
}
