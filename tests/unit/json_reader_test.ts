// The byte JSON reader must give exactly what JSON.parse gives for the text, refuse exactly
// what it refuses, and name the first duplicate key as findDuplicateKey does.
import assert from "node:assert/strict";
import fc from "fast-check";
import { forEachElement, readJson, SkippedArray } from "../../src/format/json_reader.ts";
import { findDuplicateKey } from "../../src/format/strict_json.ts";

const encode = (text: string) => new TextEncoder().encode(text);

/** JSON text of `value` with random whitespace between tokens. */
const spaced = fc.tuple(fc.jsonValue(), fc.array(fc.constantFrom(" ", "\n", "\r", "\t", ""))).map(
  ([value, spaces]) => {
    let k = 0;
    const space = () => spaces.length ? spaces[k++ % spaces.length] : "";
    return JSON.stringify(value, null, 1).replace(/\n */g, () => space() + "\n" + space());
  },
);

Deno.test("readJson gives JSON.parse's value for any JSON text, whitespace included", () => {
  fc.assert(
    fc.property(spaced, (text) => {
      const read = readJson(encode(text));
      assert.ok(read, text);
      assert.deepEqual(read.value, JSON.parse(text));
      assert.equal(read.duplicate, undefined);
    }),
    { numRuns: 500 },
  );
});

Deno.test("readJson refuses what JSON.parse refuses (truncated, mutated, odd tokens)", () => {
  const accepts = (text: string) => {
    try {
      JSON.parse(text);
      return true;
    } catch {
      return false;
    }
  };
  const cases = [
    "",
    " ",
    "{",
    "[1,]",
    '{"a":1,}',
    "01",
    "1.",
    ".5",
    "-",
    "1e",
    "+1",
    "tru",
    "nul",
    '"\\x"',
    '"\\u12"',
    '"a\u0001"',
    "[1] 2",
    "{'a':1}",
    "\u00a01",
    "NaN",
    '{"a" 1}',
    "[1 2]",
    '"\\ud800"',
    "-0",
    "1E+400",
    '"\u2028"',
  ];
  for (const text of cases) {
    assert.equal(readJson(encode(text)) !== undefined, accepts(text), JSON.stringify(text));
    if (accepts(text)) assert.deepEqual(readJson(encode(text))!.value, JSON.parse(text));
  }
  fc.assert(
    fc.property(
      fc.jsonValue(),
      fc.nat(),
      fc.constantFrom("", "x", ",", "]", "}", '"', "\\", ":", "0", "-", "\u0000", " "),
      (value, at, insert) => {
        const text = JSON.stringify(value);
        const i = at % (text.length + 1);
        for (const mutated of [text.slice(0, i) + insert + text.slice(i), text.slice(0, i)]) {
          const read = readJson(encode(mutated));
          assert.equal(read !== undefined, accepts(mutated), JSON.stringify(mutated));
          if (read) assert.deepEqual(read.value, JSON.parse(mutated));
        }
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("readJson names the first duplicate key as findDuplicateKey does", () => {
  const cases = [
    '{"a":1,"a":2}',
    '{"a":{"b":1,"c":[{"d":1,"d":2}]},"a":3}',
    '[{"x":1},{"y":[{"z":1,"z":1}]}]',
    '{"\\u0061":1,"a":2}',
    '{"k":[[{"q":1,"q":2}]]}',
    '{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,' +
    '"n":14,"o":15,"p":16,"q":17,"r":18,"a":19}',
  ];
  for (const text of cases) {
    assert.equal(readJson(encode(text))!.duplicate, findDuplicateKey(text), text);
  }
});

Deno.test("readJson keeps '__proto__' an own member and skips a leading byte order mark", () => {
  const text = '{"__proto__":{"x":1},"a":"\ufeffb"}';
  const read = readJson(encode(text))!;
  assert.deepEqual(read.value, JSON.parse(text));
  assert.equal(Object.getPrototypeOf(read.value), Object.prototype);
  const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(text)]);
  assert.deepEqual(readJson(withBom)!.value, JSON.parse(text));
  assert.equal(readJson(new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x31])), undefined);
});

Deno.test("a skipped array is checked but not built; its elements are read one at a time", () => {
  const text = '{"p":{"r":[{"n":"a"}, 2 ,[3],"\\u00e9"],"s":1},"r":[1]}';
  const bytes = encode(text);
  const read = readJson(bytes, { skip: ["p", "r"] })!;
  const value = read.value as { p: { r: unknown; s: number }; r: number[] };
  assert.ok(value.p.r instanceof SkippedArray);
  assert.deepEqual(value.r, [1], "only the array at the exact path is skipped");
  const elements: unknown[] = [];
  forEachElement(bytes, value.p.r, (e, i) => elements[i] = e);
  assert.deepEqual(elements, JSON.parse(text).p.r);
  const empty = readJson(encode('{"p":{"r":[ ]}}'), { skip: ["p", "r"] })!;
  const skipped = (empty.value as { p: { r: SkippedArray } }).p.r;
  forEachElement(encode('{"p":{"r":[ ]}}'), skipped, () => assert.fail("no element"));
  // Syntax errors and duplicates inside the skipped array still count.
  assert.equal(readJson(encode('{"p":{"r":[{"n":1,}]}}'), { skip: ["p", "r"] }), undefined);
  assert.equal(
    readJson(encode('{"p":{"r":[{"n":1},{"n":1,"n":2}]}}'), { skip: ["p", "r"] })!.duplicate,
    "p.r[1].n",
  );
});

Deno.test("readJson reads any depth without recursion", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  let value = readJson(encode(deep))!.value;
  let depth = 0;
  while (Array.isArray(value) && value.length === 1) [value, depth] = [value[0], depth + 1];
  assert.equal(depth, 99_999);
});
