// The repository stands alone: no tracked file reads, imports, links or cites the team folder that
// sits beside our own checkout (a user's clone does not have it), and the test data it needs is here.

import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { VECTORS } from "../fixtures.ts";

const ROOT = nodePath.resolve(import.meta.dirname!, "..", "..");
// Spelled in pieces so that this file does not match itself.
const FORBIDDEN = ["..", "shared"].join("/");

function trackedFiles(): string[] {
  const out = new Deno.Command("git", { args: ["ls-files", "-z"], cwd: ROOT }).outputSync();
  if (!out.success) throw new Error(`git ls-files failed: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).split("\0").filter((f) => f !== "");
}

Deno.test(`no tracked file mentions ${FORBIDDEN}`, () => {
  const files = trackedFiles();
  // Guards against a vacuous pass (no git, an empty listing).
  assert.deepEqual(files.includes("deno.json"), true);
  const offenders = files.filter((f) => {
    const text = new TextDecoder().decode(Deno.readFileSync(nodePath.join(ROOT, f)));
    return text.includes(FORBIDDEN);
  });
  assert.deepEqual(offenders, []);
});

Deno.test("the golden vectors live inside the repository", () => {
  assert.deepEqual(nodePath.relative(ROOT, VECTORS), nodePath.join("tests", "testdata"));
  for (const folder of ["v0.2.0-certificate", "v1.0.1-sigstore", "keys", "fixtures"]) {
    assert.deepEqual(Deno.statSync(nodePath.join(VECTORS, folder)).isDirectory, true);
  }
});
