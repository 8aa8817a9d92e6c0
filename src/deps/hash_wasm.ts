/**
 * `hash-wasm`: BLAKE3 in WebAssembly (pinned here; see README.md beside this file).
 *
 * @module
 */

export { createBLAKE3 } from "npm:hash-wasm@4.13.0";
