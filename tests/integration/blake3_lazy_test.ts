// The BLAKE3 WebAssembly module is compiled only when BLAKE3 is used: every other command and
// algorithm pays nothing for it at start-up.
import assert from "node:assert/strict";
import { childOutput, runCliCode } from "../cli.ts";
import { VECTORS } from "../fixtures.ts";

/** Runs the CLI in-process in a child and reports how many WebAssembly modules it compiled. */
async function compiledModules(args: string[]): Promise<number> {
  const text = await childOutput(
    `let compiled = 0;
    const compile = WebAssembly.compile;
    WebAssembly.compile = (bytes) => (compiled++, compile(bytes));
    ${runCliCode(args)}
    console.log(compiled);`,
    VECTORS,
  );
  assert.match(text, /^\d+$/);
  return Number(text);
}

Deno.test("BLAKE3 is compiled only when BLAKE3 is used", async () => {
  for (
    const args of [
      ["--help"],
      ["digest", "v1.1.0-elliptic-key"],
      ["digest", "--hash-algorithm", "blake2b", "v1.1.0-elliptic-key"],
    ]
  ) {
    assert.equal(await compiledModules(args), 0, args.join(" "));
  }
  // The probe works: a BLAKE3 digest compiles it.
  const blake3 = ["digest", "--hash-algorithm", "blake3", "v1.1.0-elliptic-key"];
  assert.equal(await compiledModules(blake3), 1);
});
