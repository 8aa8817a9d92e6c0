/**
 * Test helpers: the fixture models of `docs/format.md` §9.2, temporary folders,
 * and the path of the golden vectors in `tests/testdata/`.
 *
 * @module
 */

import * as nodePath from "node:path";

/** Golden signature vectors written by the Python tool (`tests/testdata/`, see its README). */
export const VECTORS = nodePath.resolve(import.meta.dirname!, "testdata");

/** `KNOWN_MODEL_TEXT` of the upstream tests. */
export const KNOWN_MODEL_TEXT = "This is a simple model";

/** Names of the fixture models of §9.2. */
export const FIXTURES = [
  "sample_model_file",
  "empty_model_file",
  "sample_model_folder",
  "empty_model_folder",
  "model_folder_with_empty_file",
  "deep_model_folder",
  "symlink_model_folder",
] as const;

/** One fixture name. */
export type FixtureName = typeof FIXTURES[number];

/** Makes a temporary directory removed when the returned handle is disposed. */
export function tempDir(): { path: string } & Disposable {
  const path = Deno.makeTempDirSync({ prefix: "msig-test-" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}

/**
 * Builds fixture `name` inside `parent` and returns the model path. The
 * symlink fixture links to a file in `parent/outside/`, out of the model.
 */
export function buildFixture(parent: string, name: FixtureName): string {
  const write = (p: string, text: string) => Deno.writeTextFileSync(p, text);
  const dir = (p: string) => (Deno.mkdirSync(p, { recursive: true }), p);
  switch (name) {
    case "sample_model_file": {
      const p = nodePath.join(parent, "file_model");
      write(p, KNOWN_MODEL_TEXT);
      return p;
    }
    case "empty_model_file": {
      const p = nodePath.join(parent, "empty_file_model");
      write(p, "");
      return p;
    }
    case "sample_model_folder": {
      const m = dir(nodePath.join(parent, "sample_model"));
      for (let i = 0; i < 2; i++) {
        const d = dir(nodePath.join(m, `d${i}`));
        for (let j = 0; j < 3; j++) {
          write(nodePath.join(d, `f${i}${j}`), `This is file f${i}${j} in d${i}.`);
        }
      }
      for (let i = 0; i < 4; i++) write(nodePath.join(m, `f${i}`), `This is file f${i} in root.`);
      return m;
    }
    case "empty_model_folder":
      return dir(nodePath.join(parent, "empty_folder_model"));
    case "model_folder_with_empty_file": {
      const m = dir(nodePath.join(parent, "empty_file_inside_model"));
      write(nodePath.join(m, "empty_file"), "");
      return m;
    }
    case "deep_model_folder": {
      const m = dir(nodePath.join(parent, "deep_model"));
      const d4 = dir(nodePath.join(m, "d0", "d1", "d2", "d3", "d4"));
      for (let i = 0; i < 4; i++) write(nodePath.join(d4, `f${i}`), `This is file f${i}.`);
      return m;
    }
    case "symlink_model_folder": {
      const outside = dir(nodePath.join(parent, "outside"));
      const target = nodePath.join(outside, "target_file");
      write(target, KNOWN_MODEL_TEXT);
      const m = dir(nodePath.join(parent, "symlink_model"));
      Deno.symlinkSync(target, nodePath.join(m, "symlink_file"));
      return m;
    }
  }
}

/**
 * Waits past the next whole second. Incremental re-signing reuses a digest only for a file
 * whose status-change time (whole seconds in Deno, and unlike the modification time never set
 * back) is older than the old signature: a test's files must be written a second before it.
 */
export function nextStatusChangeSecond(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1100));
}
