// The hashing workers start wherever the program runs: from the checkout and
// from `deno run <url>` (the worker module is fetched beside main.ts), with
// the narrow permissions of README "Install", and give the serial digest.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { HashingConfig } from "../../src/api/hashing_config.ts";
import { SerialEngine } from "../../src/hashing/engine.ts";
import { MAIN } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { serveDirectory } from "../http_server.ts";
import { ROOT } from "../cli.ts";

/** 5,100 small files: above the in-thread limit of 5,000 jobs, so the pool starts. */
function manySmallFiles(root: string): string {
  const model = nodePath.join(root, "model");
  for (let d = 0; d < 51; d++) {
    const dir = nodePath.join(model, `d${d}`);
    Deno.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 100; f++) Deno.writeTextFileSync(nodePath.join(dir, `f${f}`), `${d}/${f}`);
  }
  return model;
}

async function digest(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args, cwd, stdin: "null" }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("digest with 2 workers from the checkout and from a URL equals the serial digest", async () => {
  await using server = serveDirectory(ROOT);
  using tmp = tempDir();
  const model = manySmallFiles(tmp.path);
  const expected = (await new HashingConfig().setEngine(new SerialEngine()).hash(model))
    .rootDigestString();
  const narrow = ["--quiet", "--allow-read", "--allow-env"];
  assert.equal(
    await digest(["run", ...narrow, MAIN, "digest", "--workers", "2", model], tmp.path),
    expected,
  );
  const remote = [...narrow, `--allow-import=${server.host}`, `--allow-net=${server.host}`];
  assert.equal(
    await digest(
      ["run", ...remote, `${server.url}/main.ts`, "digest", "--workers", "2", model],
      tmp.path,
    ),
    expected,
  );
});
