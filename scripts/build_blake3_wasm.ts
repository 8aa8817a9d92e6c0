/**
 * Generates the BLAKE3 WebAssembly module (`src/hashing/blake3_wasm.ts`, committed) from the
 * BLAKE3 specification: `deno run --allow-write scripts/build_blake3_wasm.ts`. A unit test
 * regenerates it and compares, so the committed bytes are always this script's output.
 *
 * The module has three compression kernels, all fully unrolled (7 rounds, message schedule
 * resolved at generation time), and no tree logic (that is `src/hashing/blake3.ts`):
 *
 * - `hash4(in, stride, blocks, ctrLo, ctrHi, ctrInc, flags, flagsStart, flagsEnd, out)`: four
 *   independent inputs at `in + k·stride` (k = 0…3), `blocks` 64-byte blocks each, hashed in
 *   the four 32-bit lanes of 128-bit SIMD vectors (one input per lane). Input k uses counter
 *   `ctr + k·ctrInc`; `flagsStart` is added on the first block and `flagsEnd` on the last.
 *   Writes four 32-byte chaining values at `out + 32k`. Four whole chunks are
 *   `(p, 1024, 16, c, 0, 1, 0, CHUNK_START, CHUNK_END, o)`; four parents are
 *   `(p, 64, 1, 0, 0, 0, PARENT, 0, 0, o)`.
 * - `hash8(…)`: the same for eight inputs (k = 0…7), as two `hash4` halves written op by op
 *   side by side, so that V8's revectorizer (`--v8-flags=--experimental-wasm-revectorize`)
 *   can fuse each pair of 128-bit operations into one 256-bit AVX2 operation. It packs two
 *   operations only when nothing with a side effect lies between them, and Deno runs
 *   WebAssembly with an explicit bounds check before every access to a non-constant address:
 *   so the transposed message words and the result pass through a scratch area at constant
 *   addresses (`BLAKE3_KERNEL_SCRATCH`, inside the initial memory, hence unchecked), and all
 *   rotations are shifts (it does not pack byte shuffles). Without the flag this kernel is
 *   slower than `hash4` (more live vectors than registers); the host picks by timing both.
 * - `compress(cv, block, blockLen, ctrLo, ctrHi, flags, out)`: one compression (scalar);
 *   writes the first 8 output words (a chaining value, or the 32-byte root output with ROOT).
 *   `out` may equal `cv`.
 *
 * The key is always the IV (hash mode); `in`/`out` may be unaligned, and may overlap (the
 * kernels read all their input before they write). The module's data segment fills its first 64 bytes: the IV at 0 (the host's key for
 * `compress`), then the byte shuffles of the 8- and 16-bit rotations at 32 and 48, which
 * `hash4` loads as `i8x16.relaxed_swizzle` operands (in-range indices, so the result is fully
 * determined). V8 turns an `i8x16.shuffle` by 8 into four instructions that rebuild the
 * 16-byte mask at every use (two 64-bit loads and two inserts, one use = one `pshufb`), and by
 * 16 into `pshuflw` + `pshufhw`; with the mask loaded from memory both are one `pshufb`
 * (measured: 1,900 → 2,050 MB/s on one core in memory). The host must leave these 64 bytes
 * and the kernels' scratch area alone.
 *
 * @module
 */

import * as nodePath from "node:path";
import { BLAKE3_IV as IV, BLAKE3_KERNEL_SCRATCH } from "../src/hashing/blake3.ts";

/** The message word permutation applied between rounds. */
const PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
/** The G calls of a round: four columns, then four diagonals (state indices). */
const G_LANES = [
  [0, 4, 8, 12],
  [1, 5, 9, 13],
  [2, 6, 10, 14],
  [3, 7, 11, 15],
  [0, 5, 10, 15],
  [1, 6, 11, 12],
  [2, 7, 8, 13],
  [3, 4, 9, 14],
];
/** Where the data segment puts the rotation masks: right by 8 bits, then by 16. */
const MASK_PTR = 32;
/** Initial pages of linear memory (64 KiB each); the host grows it as needed. */
const INITIAL_PAGES = 2;
/** `hash8`'s transposed message words (16 × 32 bytes), then its 8 result words (8 × 32). */
const MESSAGE_SCRATCH = BLAKE3_KERNEL_SCRATCH;
const RESULT_SCRATCH = MESSAGE_SCRATCH + 16 * 32;

// --- WebAssembly binary encoding (only what the kernels use) ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const I32 = 0x7f;
const V128 = 0x7b;

/** SIMD opcodes (prefix 0xfd). */
const SIMD = {
  load: 0x00,
  store: 0x0b,
  shuffle: 0x0d,
  splat: 0x11,
  replaceLane: 0x1c,
  and: 0x4e,
  or: 0x50,
  xor: 0x51,
  shl: 0xab,
  shrU: 0xad,
  add: 0xae,
  relaxedSwizzle: 0x100,
} as const;

/** Emits one function body; locals are declared up front by type. */
class Body {
  readonly code: number[] = [];
  readonly #locals: number[] = [];
  readonly #params: number;

  constructor(params: number) {
    this.#params = params;
  }

  /** Declares a local of `type`; returns its index. */
  local(type: number): number {
    this.#locals.push(type);
    return this.#params + this.#locals.length - 1;
  }

  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  get(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  i32(n: number): this {
    return this.op(0x41, ...sleb(n | 0));
  }
  simd(opcode: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...imm);
  }
  /** `memarg`: alignment exponent, offset. */
  mem(align: number, offset: number): number[] {
    return [...uleb(align), ...uleb(offset)];
  }

  /** Serialized body: locals grouped in runs of one type, code, `end`. */
  bytes(): number[] {
    const runs: [number, number][] = [];
    for (const t of this.#locals) {
      if (runs.length > 0 && runs[runs.length - 1][1] === t) runs[runs.length - 1][0]++;
      else runs.push([1, t]);
    }
    const body = [
      ...uleb(runs.length),
      ...runs.flatMap(([n, t]) => [...uleb(n), t]),
      ...this.code,
      0x0b,
    ];
    return [...uleb(body.length), ...body];
  }
}

/** The operations one round needs, on scalar i32 or on 4-lane vectors. */
interface Lanes {
  /** Pushes `a + b` of two locals' values... as stack operations. */
  add(): void;
  xor(): void;
  /** Rotates the value on the stack right by `n` bits. */
  rotr(n: number): void;
}

function scalarLanes(f: Body): Lanes {
  return {
    add: () => f.op(0x6a),
    xor: () => f.op(0x73),
    rotr: (n) => f.i32(n).op(0x78),
  };
}

/** The byte shuffle that rotates each 32-bit lane right by `bytes` bytes. */
function byteRotation(bytes: number): number[] {
  return Array.from({ length: 16 }, (_, i) => (i & ~3) + ((i + bytes) & 3));
}

function vectorLanes(f: Body, tmp: number, byteShuffles: boolean): Lanes {
  // Rotations by 16 and 8 bits are byte shuffles when `byteShuffles` (mask from the data
  // segment, at a constant address inside the initial memory, so V8 needs no bounds check);
  // otherwise, like those by 12 and 7, two shifts and an or.
  return {
    add: () => f.simd(SIMD.add),
    xor: () => f.simd(SIMD.xor),
    rotr: (n) => {
      if (byteShuffles && n % 8 === 0) {
        f.i32(0).simd(SIMD.load, ...f.mem(4, MASK_PTR + 16 * (n / 8 - 1)))
          .simd(SIMD.relaxedSwizzle);
      } else {
        f.set(tmp).get(tmp).i32(n).simd(SIMD.shrU).get(tmp).i32(32 - n).simd(SIMD.shl)
          .simd(SIMD.or);
      }
    },
  };
}

/** One independent set of state and message locals, hashed with its own lane operations. */
interface Half {
  readonly L: Lanes;
  readonly v: number[];
  readonly m: number[];
}

/**
 * Emits the 7 rounds on each half's state locals `v[0..15]` with its message locals
 * `m[0..15]`. The four G calls of each half-round are interleaved step by step (they are
 * independent), which gives the CPU four dependency chains at once; with two halves, each
 * operation of one is followed by the same operation of the other.
 */
function rounds(f: Body, halves: readonly Half[]): void {
  let schedule = Array.from({ length: 16 }, (_, i) => i);
  for (let r = 0; r < 7; r++) {
    for (let half = 0; half < 2; half++) {
      const gs = halves.map(({ L, v, m }) =>
        G_LANES.slice(half * 4, half * 4 + 4).map(([a, b, c, d], k) => ({
          L,
          a: v[a],
          b: v[b],
          c: v[c],
          d: v[d],
          x: m[schedule[half * 8 + 2 * k]],
          y: m[schedule[half * 8 + 2 * k + 1]],
        }))
      );
      const each = (step: (g: typeof gs[0][0]) => void) => {
        for (let k = 0; k < 4; k++) gs.forEach((g) => step(g[k]));
      };
      for (const [word, r1, r2] of [["x", 16, 12], ["y", 8, 7]] as const) {
        each((g) => { // a = a + b + word
          f.get(g.a).get(g.b);
          g.L.add();
          f.get(g[word]);
          g.L.add();
          f.set(g.a);
        });
        each((g) => { // d = (d ^ a) >>> r1
          f.get(g.d).get(g.a);
          g.L.xor();
          g.L.rotr(r1);
          f.set(g.d);
        });
        each((g) => { // c = c + d
          f.get(g.c).get(g.d);
          g.L.add();
          f.set(g.c);
        });
        each((g) => { // b = (b ^ c) >>> r2
          f.get(g.b).get(g.c);
          g.L.xor();
          g.L.rotr(r2);
          f.set(g.b);
        });
      }
    }
    schedule = PERMUTATION.map((p) => schedule[p]);
  }
}

/** `compress(cv, block, blockLen, ctrLo, ctrHi, flags, out)`. */
function compressFunction(): Body {
  const [CV, BLOCK, LEN, LO, HI, FLAGS, OUT] = [0, 1, 2, 3, 4, 5, 6];
  const f = new Body(7);
  const v = Array.from({ length: 16 }, () => f.local(I32));
  const m = Array.from({ length: 16 }, () => f.local(I32));
  const load = (ptr: number, word: number) => f.get(ptr).op(0x28, ...f.mem(0, 4 * word));
  for (let i = 0; i < 16; i++) load(BLOCK, i).set(m[i]);
  for (let i = 0; i < 8; i++) load(CV, i).set(v[i]);
  for (let i = 0; i < 4; i++) f.i32(IV[i]).set(v[8 + i]);
  f.get(LO).set(v[12]).get(HI).set(v[13]).get(LEN).set(v[14]).get(FLAGS).set(v[15]);
  rounds(f, [{ L: scalarLanes(f), v, m }]);
  for (let i = 0; i < 8; i++) {
    f.get(OUT).get(v[i]).get(v[i + 8]).op(0x73).op(0x36, ...f.mem(0, 4 * i));
  }
  return f;
}

/** Byte lanes of an i8x16.shuffle that picks 32-bit words (0–3 from a, 4–7 from b). */
function words(...w: number[]): number[] {
  return w.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);
}

/**
 * Transposes four vectors in place (rows become columns), in each half alike: `r[k]` holds
 * word j of input k in lane j before, and `r[j]` holds word j of inputs 0–3 after.
 */
function transpose(f: Body, rows: readonly number[][], t: readonly number[][]): void {
  const shuffle = (from: readonly number[][], to: readonly number[][]) =>
  (
    a: number,
    b: number,
    lanes: number[],
    out: number,
  ) => {
    for (let h = 0; h < rows.length; h++) {
      f.get(from[h][a]).get(from[h][b]).simd(SIMD.shuffle, ...words(...lanes)).set(to[h][out]);
    }
  };
  const toT = shuffle(rows, t);
  const toR = shuffle(t, rows);
  toT(0, 1, [0, 4, 1, 5], 0); // a0 b0 a1 b1
  toT(0, 1, [2, 6, 3, 7], 1); // a2 b2 a3 b3
  toT(2, 3, [0, 4, 1, 5], 2); // c0 d0 c1 d1
  toT(2, 3, [2, 6, 3, 7], 3); // c2 d2 c3 d3
  toR(0, 2, [0, 1, 4, 5], 0); // a0 b0 c0 d0
  toR(0, 2, [2, 3, 6, 7], 1);
  toR(1, 3, [0, 1, 4, 5], 2);
  toR(1, 3, [2, 3, 6, 7], 3);
}

/**
 * Passes each half's vectors `x[i]` through the scratch area at `ptr`: vector i of half h
 * at `ptr + 32i + 16h`, stored, then loaded back in pairs. To V8 the two loads of a pair are
 * adjacent, side-effect free and 16 bytes apart: one 256-bit load once revectorized.
 */
function throughScratch(f: Body, x: readonly number[][], ptr: number): void {
  const n = x[0].length;
  for (let i = 0; i < n; i++) {
    x.forEach((v, h) => f.i32(0).get(v[i]).simd(SIMD.store, ...f.mem(0, ptr + 32 * i + 16 * h)));
  }
  for (let i = 0; i < n; i++) {
    x.forEach((v, h) => f.i32(0).simd(SIMD.load, ...f.mem(0, ptr + 32 * i + 16 * h)).set(v[i]));
  }
}

/**
 * `hash4` (one half) or `hash8` (two):
 * `(in, stride, blocks, ctrLo, ctrHi, ctrInc, flags, flagsStart, flagsEnd, out)`.
 */
function hashFunction(halves: 1 | 2): Body {
  const [IN, STRIDE, BLOCKS, LO, HI, INC, FLAGS, FSTART, FEND, OUT] = [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
  ];
  const f = new Body(10);
  const vectors = (n: number) => Array.from({ length: n }, () => f.local(V128));
  const each = Array.from({ length: halves }, (_, h) => h);
  const v = each.map(() => vectors(16));
  const m = each.map(() => vectors(16));
  const hv = each.map(() => vectors(8));
  const t = each.map(() => vectors(4));
  const ctrLo = vectors(halves);
  const ctrHi = vectors(halves);
  const rot = vectors(halves);
  const p = Array.from({ length: 4 * halves }, () => f.local(I32));
  const block = f.local(I32);
  const blockFlags = f.local(I32);
  const lo = f.local(I32);

  // Lane pointers and counters: input k at in + k·stride with counter ctr + k·inc (64-bit).
  for (let k = 0; k < 4 * halves; k++) {
    f.get(IN).get(STRIDE).i32(k).op(0x6c).op(0x6a).set(p[k]);
  }
  for (const h of each) {
    f.get(LO).simd(SIMD.splat).set(ctrLo[h]).get(HI).simd(SIMD.splat).set(ctrHi[h]);
    for (let j = 0; j < 4; j++) {
      const k = 4 * h + j;
      if (k === 0) continue;
      // lo + k·inc, carrying into hi when it wraps (inc·k is small, so at most 1).
      f.get(LO).get(INC).i32(k).op(0x6c).op(0x6a).set(lo);
      f.get(ctrLo[h]).get(lo).simd(SIMD.replaceLane, j).set(ctrLo[h]);
      f.get(ctrHi[h]).get(HI).get(lo).get(LO).op(0x49).op(0x6a).simd(SIMD.replaceLane, j)
        .set(ctrHi[h]);
    }
  }
  for (let i = 0; i < 8; i++) for (const h of each) f.i32(IV[i]).simd(SIMD.splat).set(hv[h][i]);
  f.i32(0).set(block);

  f.op(0x03, 0x40); // loop
  // Flags of this block: + flagsStart on the first, + flagsEnd on the last.
  f.get(FLAGS);
  f.get(FSTART).i32(0).get(block).op(0x45).op(0x6b).op(0x71).op(0x72);
  f.get(FEND).i32(0).get(block).i32(1).op(0x6a).get(BLOCKS).op(0x46).op(0x6b).op(0x71).op(0x72);
  f.set(blockFlags);
  // Message words, transposed so that vector j of half h holds word j of its four inputs.
  for (let q = 0; q < 4; q++) {
    const rows = each.map((h) => m[h].slice(4 * q, 4 * q + 4));
    for (let k = 0; k < 4; k++) {
      for (const h of each) {
        f.get(p[4 * h + k]).simd(SIMD.load, ...f.mem(0, 16 * q)).set(rows[h][k]);
      }
    }
    transpose(f, rows, t);
  }
  if (halves === 2) throughScratch(f, m, MESSAGE_SCRATCH);
  for (let i = 0; i < 8; i++) for (const h of each) f.get(hv[h][i]).set(v[h][i]);
  for (let i = 0; i < 4; i++) for (const h of each) f.i32(IV[i]).simd(SIMD.splat).set(v[h][8 + i]);
  for (const h of each) {
    f.get(ctrLo[h]).set(v[h][12]).get(ctrHi[h]).set(v[h][13]);
    f.i32(64).simd(SIMD.splat).set(v[h][14]);
    f.get(blockFlags).simd(SIMD.splat).set(v[h][15]);
  }
  rounds(f, each.map((h) => ({ L: vectorLanes(f, rot[h], halves === 1), v: v[h], m: m[h] })));
  for (let i = 0; i < 8; i++) {
    for (const h of each) f.get(v[h][i]).get(v[h][i + 8]).simd(SIMD.xor).set(hv[h][i]);
  }
  for (const k of p) f.get(k).i32(64).op(0x6a).set(k);
  f.get(block).i32(1).op(0x6a).set(block);
  f.get(block).get(BLOCKS).op(0x49).op(0x0d, 0); // br_if 0 while block < blocks
  f.op(0x0b); // end loop

  // The stores into the scratch area are where V8's revectorizer starts (its seeds).
  if (halves === 2) throughScratch(f, hv, RESULT_SCRATCH);
  // hv[h][i] holds word i of half h's four outputs: transpose back, 32 bytes per input.
  transpose(f, hv.map((x) => x.slice(0, 4)), t);
  const high = hv.map((x) => x.slice(4, 8));
  transpose(f, high, t);
  for (const h of each) {
    for (let k = 0; k < 4; k++) {
      f.get(OUT).get(hv[h][k]).simd(SIMD.store, ...f.mem(0, 128 * h + 32 * k));
      f.get(OUT).get(high[h][k]).simd(SIMD.store, ...f.mem(0, 128 * h + 32 * k + 16));
    }
  }
  return f;
}

/** The 64 bytes at address 0: the IV (little-endian words), then the two rotation masks. */
function dataSegment(): number[] {
  const iv = IV.flatMap((w) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24]);
  return [...iv, ...byteRotation(1), ...byteRotation(2)];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** The module's bytes. Deterministic: the same script always gives the same bytes. */
export function buildBlake3Wasm(): Uint8Array {
  const data = dataSegment();
  const types = [
    [0x60, ...uleb(10), ...Array(10).fill(I32), 0], // hash4, hash8
    [0x60, ...uleb(7), ...Array(7).fill(I32), 0], // compress
  ];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(3, vector([[0], [1], [0]])),
    ...section(5, vector([[0x00, ...uleb(INITIAL_PAGES)]])),
    ...section(
      7,
      vector([
        [...name("memory"), 0x02, 0],
        [...name("hash4"), 0x00, 0],
        [...name("compress"), 0x00, 1],
        [...name("hash8"), 0x00, 2],
      ]),
    ),
    ...section(
      10,
      vector([hashFunction(1).bytes(), compressFunction().bytes(), hashFunction(2).bytes()]),
    ),
    // One active segment at address 0 (flags 0, offset `i32.const 0`).
    ...section(11, vector([[0x00, 0x41, 0, 0x0b, ...uleb(data.length), ...data]])),
  ];
  return new Uint8Array(bytes);
}

/** The TypeScript module that embeds the bytes (base64, so it loads without file access). */
export function blake3WasmSource(): string {
  const base64 = btoa(String.fromCharCode(...buildBlake3Wasm()));
  return `// Generated by scripts/build_blake3_wasm.ts from the BLAKE3 specification; do not edit.
// Regenerate with \`deno run --allow-write scripts/build_blake3_wasm.ts\` (a unit test checks it).

/** The BLAKE3 kernels (\`hash4\`, \`hash8\`, \`compress\`) as a WebAssembly module, base64. */
export const BLAKE3_WASM_BASE64 =
  "${base64}";
`;
}

/** Where the generated module lives. */
export const BLAKE3_WASM_PATH = nodePath.resolve(
  import.meta.dirname!,
  "..",
  "src",
  "hashing",
  "blake3_wasm.ts",
);

if (import.meta.main) {
  Deno.writeTextFileSync(BLAKE3_WASM_PATH, blake3WasmSource());
  console.log(`wrote ${BLAKE3_WASM_PATH} (${buildBlake3Wasm().length} bytes of WebAssembly)`);
}
