/**
 * The incremental-hash contract every algorithm implements, in a module of
 * its own so that the lazily loaded BLAKE3 module and the algorithm table
 * need not import each other.
 *
 * @module
 */

/** An incremental hash: feed bytes, then take the digest once. */
export interface IncrementalHash {
  /** Adds bytes. The caller may reuse `data` as soon as this returns. */
  update(data: Uint8Array): void;
  /** Returns the digest; the hash must not be used afterwards. */
  digest(): Uint8Array;
}
