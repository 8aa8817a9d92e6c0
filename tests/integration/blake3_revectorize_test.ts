// V8's revectorizer (`--v8-flags=--experimental-wasm-revectorize`, which docs/benchmarks.md
// recommends for BLAKE3) compiles the hash8 kernel into 256-bit code that no other test runs:
// the BLAKE3 unit tests and the engine's split-across-workers test run again in a child with
// the flag, against b3sum and hash-wasm as before.
import assert from "node:assert/strict";
import * as nodePath from "node:path";

Deno.test({
  name: "BLAKE3 under V8's revectorizer: the kernel and engine tests pass again",
  // V8 builds the revectorizer for x86-64 only; elsewhere Deno refuses the flag.
  ignore: Deno.build.arch !== "x86_64",
}, async () => {
  const root = nodePath.resolve(import.meta.dirname!, "..", "..");
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "test",
      "--allow-all",
      "--v8-flags=--experimental-wasm-revectorize",
      "--filter",
      "blake3",
      "tests/unit/blake3_test.ts",
      "tests/unit/engine_test.ts",
    ],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, text);
  // The filter matched the tests this file is for, and none failed.
  const passed = Number(/ok \| (\d+) passed/.exec(text)?.[1] ?? 0);
  assert.ok(passed >= 10, text);
});
