// The one encoding module: lowercase hex, strict standard base64, unpadded base64url.
import assert from "node:assert/strict";
import {
  fromBase64,
  fromBase64Url,
  fromHex,
  toBase64,
  toBase64Url,
  toHex,
} from "../../src/util/encoding.ts";

Deno.test("hex: lowercase out, either case in, whole bytes only", () => {
  assert.equal(toHex(Uint8Array.of(0x00, 0xab, 0xff)), "00abff");
  assert.deepEqual(fromHex("00ABff"), Uint8Array.of(0x00, 0xab, 0xff));
  for (const bad of ["0", "0g", "0x00", " 00"]) assert.equal(fromHex(bad), undefined, bad);
  // A view into a larger buffer encodes only its own bytes.
  assert.equal(toHex(Uint8Array.of(1, 2, 3, 4).subarray(1, 3)), "0203");
  // Decoded into a buffer of exactly the right size, else into a new one.
  const into = new Uint8Array(2);
  assert.equal(fromHex("0aF0", into), into);
  assert.deepEqual(into, Uint8Array.of(0x0a, 0xf0));
  const other = fromHex("0a0b0c", into)!;
  assert.notEqual(other, into);
  assert.deepEqual(other, Uint8Array.of(10, 11, 12));
  assert.equal(fromHex("0z", into), undefined);
});

Deno.test("base64: standard alphabet with padding, strict", () => {
  assert.equal(toBase64(Uint8Array.of(0xfb, 0xff)), "+/8=");
  assert.deepEqual(fromBase64("+/8="), Uint8Array.of(0xfb, 0xff));
  // Whitespace in a length that is a multiple of 4, padding in the wrong place, too much of it.
  const bad = ["-_8=", "+/8", "+/8==", "+/=8", " +/8=", " +/8", "+/8=    ", "QQ\t\t\t\t=="];
  for (const text of [...bad, "QUFi\n\n\n\n", "QQ==QQ==", "A===", "====", "QUF\u00e9"]) {
    assert.equal(fromBase64(text), undefined, JSON.stringify(text));
  }
  // Nonzero bits before the padding are ignored, as Python's `b64decode` and `Buffer` do.
  assert.deepEqual(fromBase64("QR=="), Uint8Array.of(0x41));
  assert.deepEqual(fromBase64(""), new Uint8Array(0));
  const big = new Uint8Array(100_000).map((_, i) => i * 7);
  assert.deepEqual(fromBase64(toBase64(big)), big);
});

Deno.test("base64url: URL alphabet without padding; padding accepted when complete", () => {
  assert.equal(toBase64Url(Uint8Array.of(0xfb, 0xff)), "-_8");
  assert.deepEqual(fromBase64Url("-_8"), Uint8Array.of(0xfb, 0xff));
  assert.deepEqual(fromBase64Url("-_8="), Uint8Array.of(0xfb, 0xff));
  for (const bad of ["+/8", "-_8==", "-", "-_8=x", "a.b"]) {
    assert.equal(fromBase64Url(bad), undefined, bad);
  }
  const random = crypto.getRandomValues(new Uint8Array(33));
  assert.deepEqual(fromBase64Url(toBase64Url(random)), random);
});
