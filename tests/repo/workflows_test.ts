// The GitHub workflows do what the README and .ci/run promise: CI runs exactly the checks of
// .ci/run on Linux, macOS and Windows with the same Deno; the release builds exactly the targets
// of scripts/compile.ts and signs them keylessly with this tool, as the README's install section
// verifies them; and every `deno task` either runs exists in deno.json.

import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/compile.ts";

const ROOT = nodePath.resolve(import.meta.dirname!, "..", "..");
const read = (path: string) => Deno.readTextFileSync(nodePath.join(ROOT, path));

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}
interface Job {
  readonly "runs-on": string;
  readonly permissions?: Record<string, string>;
  readonly strategy?: { readonly matrix?: Record<string, unknown> };
  readonly steps: readonly Step[];
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
}

const workflow = (name: string): Workflow => parse(read(`.github/workflows/${name}`));
const CI = workflow("ci.yml");
const RELEASE = workflow("release.yml");

/** Every shell command a workflow runs: one per line, continuation lines joined. */
function commands(wf: Workflow): string[] {
  return Object.values(wf.jobs).flatMap((job) =>
    job.steps.flatMap((s) =>
      (s.run ?? "").replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim()).filter((l) => l)
    )
  );
}

/** The one job with a matrix over `key`. */
function matrixJob(wf: Workflow, key: string): { job: Job; values: string[] } {
  const jobs = Object.values(wf.jobs).filter((j) => j.strategy?.matrix?.[key] !== undefined);
  assert.equal(jobs.length, 1, `exactly one job has a matrix over '${key}'`);
  return { job: jobs[0], values: jobs[0].strategy!.matrix![key] as string[] };
}

/** The Deno version each setup-deno step installs. */
function setupDenoVersions(wf: Workflow): string[] {
  return Object.values(wf.jobs).flatMap((job) =>
    job.steps.filter((s) => s.uses?.startsWith("denoland/setup-deno@")).map((s) =>
      String(s.with?.["deno-version"])
    )
  );
}

Deno.test("the release matrix lists exactly the targets scripts/compile.ts builds", () => {
  const { values } = matrixJob(RELEASE, "target");
  assert.deepEqual([...values].sort(), [...TARGETS].sort());
  assert.ok(commands(RELEASE).includes('deno task compile --target "$TARGET"'));
});

Deno.test("every `deno task` the workflows run is a task of deno.json", () => {
  const tasks = Object.keys(JSON.parse(read("deno.json")).tasks);
  const used = [...commands(CI), ...commands(RELEASE)].flatMap((c) =>
    [...c.matchAll(/\bdeno task ([\w:-]+)/g)].map((m) => m[1])
  );
  // Guards against a vacuous pass: CI runs the tests, the release compiles.
  assert.ok(used.includes("test") && used.includes("compile"), `tasks found: ${used}`);
  assert.deepEqual(used.filter((t) => !tasks.includes(t)), []);
});

Deno.test("CI runs the checks of .ci/run, in its order, on Linux, macOS and Windows", () => {
  const { job, values } = matrixJob(CI, "os");
  assert.deepEqual([...values].sort(), ["macos-latest", "ubuntu-latest", "windows-latest"]);
  assert.equal(job["runs-on"], "${{ matrix.os }}");
  const script = read(".ci/run").split("\n").map((l) => l.trim());
  const checks = script.filter((l) => l.startsWith("deno ") && l !== "deno --version");
  assert.ok(checks.includes("deno task test") && checks.some((c) => c.startsWith("deno publish")));
  assert.deepEqual(commands(CI).filter((c) => c.startsWith("deno ")), checks);
  assert.ok(["push", "pull_request"].every((event) => event in CI.on));
});

Deno.test("the workflows install the Deno version .ci/run installs", () => {
  const pinned = /\bdeno@(\d+\.\d+\.\d+)\b/.exec(read(".ci/run"))?.[1];
  assert.ok(pinned, ".ci/run pins deno@X.Y.Z");
  for (const wf of [CI, RELEASE]) {
    const versions = setupDenoVersions(wf);
    assert.ok(versions.length > 0);
    assert.deepEqual(versions.filter((v) => v !== pinned), []);
  }
});

Deno.test("the release signs each executable keylessly with this tool, as README verifies it", () => {
  assert.deepEqual(RELEASE.on, { push: { tags: ["v*"] } });
  const { job } = matrixJob(RELEASE, "target");
  assert.equal(job.permissions?.["id-token"], "write");
  assert.ok(Object.values(RELEASE.jobs).some((j) => j.permissions?.contents === "write"));
  const run = commands(RELEASE).join("\n");
  assert.match(
    run,
    /main\.ts sign sigstore --use-ambient-credentials --signature "\$exe\.sig" "\$exe"/,
  );
  const readme = read("README.md");
  assert.match(readme, /verify sigstore/);
  assert.match(
    readme,
    /--identity https:\/\/github\.com\/[^/\s]+\/[^/\s]+\/\.github\/workflows\/release\.yml@refs\/tags\/v/,
  );
  assert.match(readme, /--identity-provider https:\/\/token\.actions\.githubusercontent\.com/);
  // The signature file is the executable's name plus `.sig`, as the workflow writes it.
  assert.match(readme, /--signature (\S+)\.sig \\?\s*\1\b/);
});
