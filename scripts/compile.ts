/**
 * `deno task compile [--target T]…`: builds standalone `model_signing`
 * executables into `dist/` with SHA-256 checksums beside them.
 *
 * `deno compile` downloads the runtime it embeds (`denort`) for each target.
 * Where that cannot be downloaded, set `DENORT_BIN` to a local `denort` for
 * the target being built (then only one target is built: the host's, or the
 * single `--target` given).
 *
 * @module
 */

import { createHash } from "node:crypto";
import * as nodePath from "node:path";
import { parseArgs } from "node:util";

/** Every target Deno can compile for. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/**
 * The narrowest permissions the tool needs, baked into the executable: read
 * models and keys, write signatures, environment (CI token variables),
 * network (Sigstore), running only the browser openers for interactive
 * login and the Buildkite / CircleCI agents for their OIDC tokens (README's
 * table), and FFI (only `sign pkcs11-key`/`pkcs11-certificate` use it, to
 * load the PKCS #11 module the URI names).
 */
export const PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-run=xdg-open,open,rundll32,buildkite-agent,circleci",
  "--allow-ffi",
];

const ROOT = nodePath.resolve(import.meta.dirname!, "..");
const DIST = nodePath.join(ROOT, "dist");

/**
 * Worker modules: `deno compile` embeds only the static module graph, and a
 * worker's module is not part of it, so each `src/**\/*_worker.ts` is included.
 */
function workerModules(dir = nodePath.join(ROOT, "src")): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = nodePath.join(dir, entry.name);
    if (entry.isDirectory) found.push(...workerModules(path));
    else if (entry.name.endsWith("_worker.ts")) found.push(path);
  }
  return found;
}

function hostTarget(): string {
  const { arch, os } = Deno.build;
  const target = TARGETS.find((t) =>
    t.startsWith(arch) && t.includes(os === "darwin" ? "apple" : os)
  );
  if (!target) throw new Error(`no compile target for ${arch}-${os}`);
  return target;
}

function fail(message: string): never {
  console.error(`compile: ${message}`);
  Deno.exit(1);
}

async function compile(target: string): Promise<string> {
  const output = nodePath.join(
    DIST,
    `model_signing-${target}${target.includes("windows") ? ".exe" : ""}`,
  );
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--quiet",
      ...PERMISSIONS,
      ...workerModules().flatMap((w) => ["--include", w]),
      "--target",
      target,
      "--output",
      output,
      nodePath.join(ROOT, "main.ts"),
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    const detail = new TextDecoder().decode(result.stderr);
    if (!Deno.env.get("DENORT_BIN") && /denort|download|dns error|connect/i.test(detail)) {
      fail(
        `cannot download the Deno runtime 'denort' for ${target} (no network access?); ` +
          "set DENORT_BIN to a local denort binary for that target and build it with --target",
      );
    }
    fail(`deno compile failed for ${target}: ${detail.trim().split("\n")[0]}`);
  }
  const digest = createHash("sha256").update(Deno.readFileSync(output)).digest("hex");
  Deno.writeTextFileSync(`${output}.sha256`, `${digest}  ${nodePath.basename(output)}\n`);
  return output;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { target: { type: "string", multiple: true } },
  });
  const requested = values.target ?? [];
  for (const t of requested) {
    if (!(TARGETS as readonly string[]).includes(t)) {
      fail(`unknown target '${t}'; one of ${TARGETS.join(", ")}`);
    }
  }
  let targets: string[] = requested.length > 0 ? requested : [...TARGETS];
  if (Deno.env.get("DENORT_BIN")) {
    if (requested.length > 1) fail("DENORT_BIN is one runtime: build one --target with it");
    targets = requested.length === 1 ? requested : [hostTarget()];
  }
  Deno.mkdirSync(DIST, { recursive: true });
  for (const target of targets) console.log(await compile(target));
}
