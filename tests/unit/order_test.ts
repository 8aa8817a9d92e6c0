// Canonical order of §1.10, which JavaScript's default sort gets wrong.
import assert from "node:assert/strict";
import { compareCanonicalPaths } from "../../src/manifest/order.ts";

Deno.test("paths sort component-wise by code point, as Python does", () => {
  const python = ["B", "a", "a/b", "a/b/c", "a b", "a-b", "a.b"];
  const shuffled = [...python].reverse();
  assert.deepEqual(shuffled.sort(compareCanonicalPaths), python);
  assert.notDeepEqual([...python].reverse().sort(), python, "default sort differs");
});

Deno.test("astral characters sort after all BMP characters (code points, not UTF-16 units)", () => {
  const bmpHigh = "\uFFFD";
  const astral = "\u{1F600}";
  assert.ok(compareCanonicalPaths(bmpHigh, astral) < 0);
  assert.ok([bmpHigh, astral].sort()[0] === astral, "default sort puts the surrogate first");
  assert.ok(compareCanonicalPaths("é", "z") > 0);
});
