// One reason per file-system failure, whether Deno or node:fs raised it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as nodePath from "node:path";
import { fsErrorReason, isNotFound } from "../../src/util/fs_errors.ts";
import { tempDir } from "../fixtures.ts";

function failure(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

Deno.test("file-system reasons: the same words for Deno and node:fs errors", () => {
  using tmp = tempDir();
  const missing = nodePath.join(tmp.path, "missing");
  for (
    const e of [
      failure(() => Deno.readFileSync(missing)),
      failure(() => readFileSync(missing)),
    ]
  ) {
    assert.equal(isNotFound(e), true);
    assert.equal(fsErrorReason(e), "no such file or directory");
  }
  const dir = failure(() => readFileSync(tmp.path));
  assert.equal(isNotFound(dir), false);
  assert.equal(fsErrorReason(dir), "is a directory");
  assert.equal(fsErrorReason(new Deno.errors.PermissionDenied("x")), "permission denied");
  assert.equal(
    fsErrorReason(Object.assign(new Error("x"), { code: "EACCES" })),
    "permission denied",
  );
  assert.equal(fsErrorReason(new Error("disk on fire")), "disk on fire");
});
