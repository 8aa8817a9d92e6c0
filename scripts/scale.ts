/**
 * Scale measurement: builds models of many small files, signs and verifies
 * each in a fresh child process through the library, and reports the
 * child's peak resident memory (`VmHWM` of `/proc/self/status`) and times.
 * Two sizes are measured so that the memory per file can be read off: it
 * should be the manifest's own cost, not grow further with the file count.
 *
 * Usage: `deno run --allow-all scripts/scale.ts [--files 100000] [--depth 64] [--json]`
 * Library: `import { measureScale } from "./scale.ts"` (for `scripts/bench.ts`).
 *
 * @module
 */

import { generateKeyPairSync } from "node:crypto";
import * as nodePath from "node:path";
import { parseArgs } from "node:util";
import { peakRssKiB } from "./bench_util.ts";

/** One measured run. */
export interface ScaleResult {
  /** Files in the model. */
  readonly files: number;
  /** Depth of the deepest directory. */
  readonly depth: number;
  /** Milliseconds to sign (walk, hash, statement, signature). */
  readonly signMs: number;
  /** Milliseconds to verify. */
  readonly verifyMs: number;
  /** Peak resident memory of the child process, KiB (`VmHWM`), or -1 where /proc is missing. */
  readonly peakRssKiB: number;
  /** Size of the signature file in bytes (the manifest's own cost). */
  readonly signatureBytes: number;
}

/** Builds a model of `files` small files: 100 per directory, plus one chain `depth` levels deep. */
export function buildScaleModel(root: string, files: number, depth: number): void {
  const deepFiles = Math.min(depth, files);
  let path = root;
  for (let i = 0; i < deepFiles; i++) {
    path = nodePath.join(path, `l${i}`);
    Deno.mkdirSync(path, { recursive: true });
    Deno.writeTextFileSync(nodePath.join(path, "w"), `level ${i}`);
  }
  for (let n = deepFiles; n < files; n++) {
    const dir = nodePath.join(root, `d${Math.floor(n / 100)}`);
    if (n % 100 === 0 || n === deepFiles) Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(nodePath.join(dir, `f${n % 100}`), `file ${n}`);
  }
}

/** Child side: sign and verify `model`, print one JSON line. */
async function child(model: string, work: string, files: number, depth: number): Promise<void> {
  const { SigningConfig, VerifyingConfig } = await import("../mod.ts");
  const { EllipticKeySigner } = await import("../advanced.ts");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pub = nodePath.join(work, "key.pub");
  Deno.writeTextFileSync(pub, publicKey.export({ type: "spki", format: "pem" }) as string);
  const sig = nodePath.join(work, "model.sig");
  let t = performance.now();
  await new SigningConfig().useSigner(new EllipticKeySigner(privateKey)).sign(model, sig);
  const signMs = performance.now() - t;
  t = performance.now();
  await new VerifyingConfig().useEllipticKeyVerifier({ publicKey: pub }).verify(model, sig);
  const verifyMs = performance.now() - t;
  const result: ScaleResult = {
    files,
    depth,
    signMs: Math.round(signMs),
    verifyMs: Math.round(verifyMs),
    peakRssKiB: peakRssKiB(),
    signatureBytes: Deno.statSync(sig).size,
  };
  console.log(JSON.stringify(result));
}

/**
 * Builds a model of `files` files (one chain `depth` deep) in a temporary
 * folder, signs and verifies it in a child process, and returns the measurement.
 */
export async function measureScale(files: number, depth = 64): Promise<ScaleResult> {
  const work = Deno.makeTempDirSync({ prefix: "msig-scale-" });
  try {
    const model = nodePath.join(work, "model");
    buildScaleModel(model, files, depth);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", import.meta.filename!, "--child", model, work]
        .concat([String(files), String(depth)]),
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`scale child failed with exit code ${out.code}`);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  } finally {
    Deno.removeSync(work, { recursive: true });
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    const [, model, work, files, depth] = Deno.args;
    await child(model, work, Number(files), Number(depth));
  } else {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        files: { type: "string", default: "100000" },
        depth: { type: "string", default: "64" },
        json: { type: "boolean", default: false },
      },
    });
    const files = Number(values.files);
    const depth = Number(values.depth);
    const small = await measureScale(Math.max(1, Math.floor(files / 10)), depth);
    const large = await measureScale(files, depth);
    const perFile = (large.peakRssKiB - small.peakRssKiB) * 1024 / (large.files - small.files);
    const manifestPerFile = (large.signatureBytes - small.signatureBytes) /
      (large.files - small.files);
    if (values.json) {
      console.log(JSON.stringify({ small, large, rssBytesPerFile: Math.round(perFile) }));
    } else {
      for (const r of [small, large]) {
        console.log(
          `${r.files} files (depth ${r.depth}): sign ${r.signMs} ms, verify ${r.verifyMs} ms, ` +
            `peak RSS ${(r.peakRssKiB / 1024).toFixed(1)} MiB, signature ${r.signatureBytes} bytes`,
        );
      }
      console.log(
        `peak RSS grows ${perFile.toFixed(0)} bytes per file; ` +
          `the signature (manifest) itself holds ${manifestPerFile.toFixed(0)} bytes per file`,
      );
    }
  }
}
