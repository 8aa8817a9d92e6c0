/**
 * BLAKE3 (hash mode, 32-byte output) on the WebAssembly SIMD kernels of
 * `blake3_wasm.ts`, with the tree exposed: the chaining value of a subtree
 * that starts at any chunk, and the root over chaining values of consecutive
 * subtrees. That lets one file be split across workers and combined into
 * exactly the serial digest.
 *
 * The tree (BLAKE3 specification §2.1): input in 1024-byte chunks; a node
 * over more than one chunk has as left child the largest power-of-two number
 * of chunks that leaves at least one byte for the right. So every aligned run
 * of 2^k whole chunks that is not the whole input is a subtree, and the root
 * over such runs is built by the same rule counted in runs.
 *
 * Read buffers can be allocated inside the module's memory
 * ({@linkcode Blake3.readBuffers}): data read there is hashed in place,
 * without a copy.
 *
 * @module
 */

import type { IncrementalHash } from "./incremental_hash.ts";
import { BLAKE3_WASM_BASE64 } from "./blake3_wasm.ts";

/** Bytes per chunk, the tree's leaf. */
export const BLAKE3_CHUNK = 1024;

const CHUNK_START = 1;
const CHUNK_END = 2;
const PARENT = 4;
const ROOT = 8;

/** BLAKE3's IV (the SHA-256 IV): the kernel generator writes it into the module's data segment. */
export const BLAKE3_IV: readonly number[] = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
];

// Memory layout (bytes). The module's data segment holds the IV at 0 and
// the kernels' rotation masks at 32–63 (scripts/build_blake3_wasm.ts). The
// stack holds one chaining value per bit of a 64-bit chunk count, plus one;
// adjacent entries form a parent's block.
const IV_PTR = 0;
const CHUNK_PTR = 64;
const STACK_PTR = CHUNK_PTR + BLAKE3_CHUNK;
const COMBINE_PTR = STACK_PTR + 66 * 32;
const OUT_PTR = COMBINE_PTR + 66 * 32;
const SCRATCH_PTR = 8192;
/** Most chunks hashed as one SIMD subtree (their chaining values fill the scratch area). */
const MAX_BATCH = 1024;
/**
 * The `hash8` kernel's own scratch area (768 bytes, after the chaining values of a full batch
 * and before the staging area): it must lie inside the module's initial memory, where V8
 * checks no bounds (scripts/build_blake3_wasm.ts).
 */
export const BLAKE3_KERNEL_SCRATCH = 64512;
const STAGE_PTR = 65536;
const STAGE_SIZE = 256 << 10;
const READ_PTR = STAGE_PTR + STAGE_SIZE;
const PAGE = 65536;

/** `hash4` and `hash8` (four or eight inputs at once): see scripts/build_blake3_wasm.ts. */
type LanesKernel = (
  input: number,
  stride: number,
  blocks: number,
  ctrLo: number,
  ctrHi: number,
  ctrInc: number,
  flags: number,
  flagsStart: number,
  flagsEnd: number,
  out: number,
) => void;

interface Kernels {
  hash4: LanesKernel;
  hash8: LanesKernel;
  compress(
    cv: number,
    block: number,
    blockLen: number,
    ctrLo: number,
    ctrHi: number,
    flags: number,
    out: number,
  ): void;
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** How many inputs one kernel call hashes: `hash4` or `hash8`. */
export type Blake3Lanes = 4 | 8;

/** Subtrees smaller than this (in chunks) are not timed: too short to measure. */
const TIMED_CHUNKS = 128;
/** Bytes each kernel hashes before its times count (V8 compiles it optimized meanwhile). */
const WARM_UP_BYTES = 8 << 20;
/** Bytes each kernel hashes before the choice is made. */
const PROBE_BYTES = 24 << 20;

/**
 * Which kernel hashes whole chunks. Where V8 revectorizes `hash8` into 256-bit AVX2
 * (`--v8-flags=--experimental-wasm-revectorize`) it runs ~1.5 × `hash4`, elsewhere 0.6–0.9 ×,
 * and nothing visible to JavaScript tells which. Both give the same chaining values, so they
 * take turns on the first subtrees of real input and the faster one (best time per chunk
 * after its warm-up) is kept: a wrong pick could only cost speed.
 */
class KernelChoice {
  #lanes: Blake3Lanes | undefined;
  #next: Blake3Lanes = 8;
  readonly #bytes = { 4: 0, 8: 0 };
  readonly #best = { 4: Infinity, 8: Infinity };

  constructor(lanes: Blake3Lanes | undefined) {
    this.#lanes = lanes;
  }

  /** The kernel chosen, or undefined while both are still being timed. */
  get lanes(): Blake3Lanes | undefined {
    return this.#lanes;
  }

  /** The kernel for a subtree of `chunks` (≥ 8) chunks. */
  pick(chunks: number): Blake3Lanes {
    if (this.#lanes !== undefined) return this.#lanes;
    if (chunks < TIMED_CHUNKS) return 4;
    this.#next = this.#next === 8 ? 4 : 8;
    return this.#next;
  }

  /** Records that `lanes` hashed a subtree of `chunks` in `ms`. */
  report(lanes: Blake3Lanes, chunks: number, ms: number): void {
    if (this.#lanes !== undefined || chunks < TIMED_CHUNKS) return;
    this.#bytes[lanes] += chunks * BLAKE3_CHUNK;
    if (this.#bytes[lanes] > WARM_UP_BYTES) {
      this.#best[lanes] = Math.min(this.#best[lanes], ms / chunks);
    }
    if (this.#bytes[4] >= PROBE_BYTES && this.#bytes[8] >= PROBE_BYTES) {
      this.#lanes = this.#best[8] < this.#best[4] ? 8 : 4;
    }
  }
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

/**
 * One BLAKE3 instance (one WebAssembly memory). Its hashes must be used one
 * after the other, never interleaved: they share the chunk buffer and stack.
 */
export class Blake3 {
  readonly #memory: WebAssembly.Memory;
  readonly #k: Kernels;
  readonly #choice: KernelChoice;
  #bytes: Uint8Array;
  #readBuffers: [Uint8Array, Uint8Array] | undefined;

  private constructor(instance: WebAssembly.Instance, lanes: Blake3Lanes | undefined) {
    this.#memory = instance.exports.memory as WebAssembly.Memory;
    this.#k = instance.exports as unknown as Kernels;
    this.#choice = new KernelChoice(lanes);
    this.#bytes = new Uint8Array(0);
    this.#grow(READ_PTR);
  }

  /**
   * Compiles the module once per thread and makes a fresh instance. `lanes` fixes the kernel
   * for whole chunks (tests, benchmarks); by default the faster one is found by timing both.
   */
  static async create(lanes?: Blake3Lanes): Promise<Blake3> {
    compiled ??= WebAssembly.compile(
      Uint8Array.from(atob(BLAKE3_WASM_BASE64), (c) => c.charCodeAt(0)),
    );
    return new Blake3(await WebAssembly.instantiate(await compiled), lanes);
  }

  /** The kernel that hashes whole chunks, or undefined while both are still being timed. */
  get lanes(): Blake3Lanes | undefined {
    return this.#choice.lanes;
  }

  #grow(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE) - this.#memory.buffer.byteLength / PAGE;
    if (pages > 0) this.#memory.grow(pages);
    this.#bytes = new Uint8Array(this.#memory.buffer);
  }

  /**
   * Two read buffers of `size` bytes inside the module's memory, page-aligned:
   * bytes read into them are hashed without a copy. Asking for another size
   * invalidates the buffers handed out before.
   */
  readBuffers(size: number): [Uint8Array, Uint8Array] {
    if (this.#readBuffers?.[0].length === size) return this.#readBuffers;
    const stride = Math.ceil(size / PAGE) * PAGE;
    this.#grow(READ_PTR + 2 * stride);
    const buffer = this.#memory.buffer;
    this.#readBuffers = [
      new Uint8Array(buffer, READ_PTR, size),
      new Uint8Array(buffer, READ_PTR + stride, size),
    ];
    return this.#readBuffers;
  }

  /** A hash of a whole message: `digest()` is its 32-byte BLAKE3 digest. */
  newHash(): IncrementalHash {
    return new Blake3State(this, 0, true);
  }

  /**
   * The hash of a subtree that starts at chunk `firstChunk` of a larger
   * message: `digest()` is its 32-byte chaining value (never a root). The
   * subtree must be a power of two of whole chunks, or the message's last
   * part, and `firstChunk` a multiple of that power of two.
   */
  newSubtree(firstChunk: number): IncrementalHash {
    return new Blake3State(this, firstChunk, false);
  }

  /**
   * The digest of a message from the chaining values of its consecutive
   * subtrees: each of equal power-of-two chunk count but the last (which may
   * be smaller), at least two.
   */
  combine(cvs: readonly Uint8Array[]): Uint8Array {
    let depth = 0;
    cvs.forEach((cv, i) => {
      depth = this.merge(COMBINE_PTR, depth, popcount(i));
      this.#bytes.set(cv, COMBINE_PTR + 32 * depth++);
    });
    return this.fold(COMBINE_PTR, depth, true);
  }

  /** Merges the top of a chaining-value stack until it holds `target` entries. */
  merge(stack: number, depth: number, target: number): number {
    while (depth > target) {
      const left = stack + 32 * (depth - 2);
      this.#k.compress(IV_PTR, left, 64, 0, 0, PARENT, left);
      depth--;
    }
    return depth;
  }

  /** Merges a whole stack into one value (the root, when `root`); returns a copy. */
  fold(stack: number, depth: number, root: boolean): Uint8Array {
    for (; depth > 1; depth--) {
      const left = stack + 32 * (depth - 2);
      this.#k.compress(IV_PTR, left, 64, 0, 0, PARENT | (root && depth === 2 ? ROOT : 0), left);
    }
    return this.#bytes.slice(stack, stack + 32);
  }

  /** The output of a chunk of `len` bytes at `ptr` (ROOT in `flags` for a one-chunk message). */
  chunkOutput(ptr: number, len: number, counter: number, flags: number, out: number): void {
    const blocks = Math.max(1, Math.ceil(len / 64));
    this.#bytes.fill(0, ptr + len, ptr + 64 * blocks); // the last block is zero-padded
    this.#bytes.copyWithin(out, IV_PTR, IV_PTR + 32);
    const lo = counter >>> 0;
    const hi = Math.floor(counter / 2 ** 32);
    for (let b = 0; b < blocks; b++) {
      const last = b === blocks - 1;
      this.#k.compress(
        out,
        ptr + 64 * b,
        last ? len - 64 * b : 64,
        lo,
        hi,
        (b === 0 ? CHUNK_START : 0) | (last ? CHUNK_END | flags : 0),
        out,
      );
    }
  }

  /** The chaining value of `chunks` (a power of two ≥ 4) whole chunks at `ptr`, into `out`. */
  subtree(ptr: number, chunks: number, counter: number, out: number): void {
    const k = this.#k;
    const choice = this.#choice;
    const lanes = chunks >= 8 ? choice.pick(chunks) : 4;
    const probing = choice.lanes === undefined;
    const start = probing ? performance.now() : 0;
    const kernel = (width: Blake3Lanes) => width === 8 ? k.hash8 : k.hash4;
    for (let g = 0; g < chunks / lanes; g++) {
      const c = counter + lanes * g;
      kernel(lanes)(
        ptr + lanes * BLAKE3_CHUNK * g,
        BLAKE3_CHUNK,
        16,
        c >>> 0,
        Math.floor(c / 2 ** 32),
        1,
        0,
        CHUNK_START,
        CHUNK_END,
        SCRATCH_PTR + 32 * lanes * g,
      );
    }
    for (let n = chunks; n > 1; n >>= 1) {
      const pairs = n >> 1;
      const width = pairs >= 8 ? lanes : 4;
      const groups = Math.floor(pairs / width);
      for (let g = 0; g < groups; g++) {
        kernel(width)(
          SCRATCH_PTR + 64 * width * g,
          64,
          1,
          0,
          0,
          0,
          PARENT,
          0,
          0,
          SCRATCH_PTR + 32 * width * g,
        );
      }
      for (let i = width * groups; i < pairs; i++) {
        k.compress(IV_PTR, SCRATCH_PTR + 64 * i, 64, 0, 0, PARENT, SCRATCH_PTR + 32 * i);
      }
    }
    if (probing) choice.report(lanes, chunks, performance.now() - start);
    this.#bytes.copyWithin(out, SCRATCH_PTR, SCRATCH_PTR + 32);
  }

  /** Whether `data` lies in this instance's memory (then it is hashed in place). */
  inMemory(data: Uint8Array): boolean {
    return data.buffer === this.#memory.buffer;
  }

  /** Copies `data` into the staging area; returns where. */
  stage(data: Uint8Array): number {
    this.#bytes.set(data, STAGE_PTR);
    return STAGE_PTR;
  }

  /** Copies `len` bytes inside the memory. */
  copy(to: number, from: number, len: number): void {
    this.#bytes.copyWithin(to, from, from + len);
  }
}

/** One message or subtree being hashed; see {@linkcode Blake3.newHash}. */
class Blake3State implements IncrementalHash {
  readonly #b3: Blake3;
  readonly #first: number;
  readonly #root: boolean;
  /** Chunks finished (relative to the first). */
  #count = 0;
  /** Bytes of the current chunk in the chunk buffer. */
  #chunkLen = 0;
  #depth = 0;

  constructor(b3: Blake3, firstChunk: number, root: boolean) {
    this.#b3 = b3;
    this.#first = firstChunk;
    this.#root = root;
  }

  update(data: Uint8Array): void {
    if (this.#b3.inMemory(data)) {
      this.#hashAt(data.byteOffset, data.length);
      return;
    }
    for (let off = 0; off < data.length; off += STAGE_SIZE) {
      const piece = data.subarray(off, off + STAGE_SIZE);
      this.#hashAt(this.#b3.stage(piece), piece.length);
    }
  }

  #push(): number {
    this.#depth = this.#b3.merge(STACK_PTR, this.#depth, popcount(this.#count));
    return STACK_PTR + 32 * this.#depth++;
  }

  #hashAt(ptr: number, len: number): void {
    const b3 = this.#b3;
    while (len > 0) {
      if (this.#chunkLen === BLAKE3_CHUNK) {
        // More input follows, so this chunk is not the last: take its chaining value.
        b3.chunkOutput(CHUNK_PTR, BLAKE3_CHUNK, this.#first + this.#count, 0, this.#push());
        this.#count++;
        this.#chunkLen = 0;
      }
      if (this.#chunkLen === 0 && len >= 4 * BLAKE3_CHUNK) {
        // Whole chunks as SIMD subtrees, the largest aligned power of two. Before
        // anything is hashed, a whole message keeps at least one byte back: this run
        // could be all of it, and its top node the root. Any later run is below the
        // root, even the last one (then nothing waits in the chunk buffer).
        let size = MAX_BATCH;
        const whole = this.#count === 0 && this.#root ? len - 1 : len;
        const available = Math.floor(whole / BLAKE3_CHUNK);
        while (size > available || this.#count % size !== 0) size >>= 1;
        if (size >= 4) {
          b3.subtree(ptr, size, this.#first + this.#count, this.#push());
          this.#count += size;
          ptr += size * BLAKE3_CHUNK;
          len -= size * BLAKE3_CHUNK;
          continue;
        }
      }
      const take = Math.min(BLAKE3_CHUNK - this.#chunkLen, len);
      b3.copy(CHUNK_PTR + this.#chunkLen, ptr, take);
      this.#chunkLen += take;
      ptr += take;
      len -= take;
    }
  }

  digest(): Uint8Array {
    const b3 = this.#b3;
    const counter = this.#first + this.#count;
    if (this.#count === 0) {
      b3.chunkOutput(CHUNK_PTR, this.#chunkLen, counter, this.#root ? ROOT : 0, OUT_PTR);
      return b3.fold(OUT_PTR, 1, false);
    }
    if (this.#chunkLen > 0) b3.chunkOutput(CHUNK_PTR, this.#chunkLen, counter, 0, this.#push());
    return b3.fold(STACK_PTR, this.#depth, this.#root);
  }
}
