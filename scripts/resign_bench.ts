/**
 * The re-signing benchmark (part of `deno task bench`, or alone:
 * `deno run --allow-all scripts/resign_bench.ts`): a model of 4 × 512 MiB
 * plus a small README is signed in full, the README is changed, and
 * `sign key --reuse-signature` re-signs it; both are timed (median of
 * `BENCH_RUNS`, page cache warm) and the ratio is checked against the
 * target (< 10 %). `BENCH_SCALE` scales the large files.
 *
 * @module
 */

import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as nodePath from "node:path";
import { medianOf, timeCommand } from "./bench_util.ts";

const MAIN = nodePath.resolve(import.meta.dirname!, "..", "main.ts");
const MIB = 1 << 20;
const SCALE = Number(Deno.env.get("BENCH_SCALE") ?? "1");
const RUNS = Number(Deno.env.get("BENCH_RUNS") ?? "3");
const WRITE = ["run", "--quiet", "--allow-read", "--allow-write", "--allow-env", MAIN];

/** Times a full sign and an incremental re-sign after one small change; prints both. */
export async function measureResign(): Promise<void> {
  const work = Deno.makeTempDirSync({ prefix: "msig-resign-" });
  try {
    const model = nodePath.join(work, "model");
    Deno.mkdirSync(model);
    const block = new Uint8Array(randomBytes(MIB));
    const size = Math.max(1, Math.round(512 * SCALE)) * MIB;
    const files: string[] = [];
    for (let i = 0; i < 4; i++) {
      const path = nodePath.join(model, `shard-${i}.safetensors`);
      using f = Deno.openSync(path, { write: true, create: true, truncate: true });
      for (let n = 0; n < size; n += MIB) f.writeSync(block);
      files.push(path);
    }
    const readme = nodePath.join(model, "README.md");
    Deno.writeTextFileSync(readme, "v1\n");
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const key = nodePath.join(work, "key.pem");
    Deno.writeTextFileSync(key, privateKey.export({ type: "pkcs8", format: "pem" }) as string);
    const warm = () => {
      const buffer = new Uint8Array(8 * MIB);
      for (const path of files) {
        using file = Deno.openSync(path);
        while (file.readSync(buffer) !== null) { /* read to the end */ }
      }
    };
    const old = nodePath.join(work, "old.sig");
    const sign = (sig: string, extra: string[] = []) => () =>
      timeCommand(Deno.execPath(), [
        ...WRITE,
        "sign",
        "key",
        "--private-key",
        key,
        "--signature",
        sig,
        ...extra,
        model,
      ]);
    const full = await medianOf(RUNS, warm, sign(old));
    // Change the README after the old signature was written.
    await new Promise((r) => setTimeout(r, 20));
    Deno.writeTextFileSync(readme, "v2, edited\n");
    const again = await medianOf(
      RUNS,
      warm,
      sign(nodePath.join(work, "new.sig"), ["--reuse-signature", old]),
    );
    const ratio = again.ms / full.ms;
    const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
    console.log(
      `\nRe-sign (4 × ${size / MIB} MiB + README, README changed): full sign ${
        full.ms.toFixed(0)
      } ms, --reuse-signature ${again.ms.toFixed(0)} ms (${
        (ratio * 100).toFixed(1)
      } %); load ${load}`,
    );
    console.log(`  ${ratio < 0.1 ? "PASS" : "FAIL"}  re-sign under 10 % of a full sign`);
  } finally {
    Deno.removeSync(work, { recursive: true });
  }
}

if (import.meta.main) await measureResign();
