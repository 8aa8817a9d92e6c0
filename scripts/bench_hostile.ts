/**
 * Bench rows of issue 17 (part of `deno task bench`; alone: `deno run
 * --allow-all scripts/bench_hostile.ts`): time and peak RSS of refusing
 * hostile inputs through the real CLI, each as its own child process.
 *
 * 1. Unsigned signatures under the 64 MiB cap whose payload is 60 MB of
 *    base64 `////` (45 MB of 0xFF bytes) or `w6nDqcOp` (45 MB of "é"), for
 *    `verify key` and `verify certificate` (the legacy PAE used to cost
 *    3.2 GB and 22–28 s).
 * 2. `/dev/zero`, `/dev/urandom`, a FIFO without a writer and a symlink to
 *    each, for every option that reads a file.
 *
 * Target for every row: exit 1 with one line, under 2 s and 300 MiB. `cat`
 * of the 60 MB signature and `openssl dgst -sha384` of the 225 MB that the
 * "é" rows hash (the P-384 key's hash) are the native references for row 1.
 *
 * @module
 */

import * as nodePath from "node:path";
import { peakRssKiB } from "./bench_util.ts";
import { CA, CERT_MODEL, fileOptionCases, KEY_MODEL, PUB } from "../tests/file_options.ts";

const ROOT = nodePath.resolve(import.meta.dirname!, "..");
const MAIN = nodePath.join(ROOT, "main.ts");
const DATA = nodePath.join(ROOT, "tests", "testdata");
const LIMIT_MS = 2000;
const LIMIT_MIB = 300;

/** One refusal: wall time, peak RSS, exit status and the number of stderr lines. */
export interface Refusal {
  readonly label: string;
  readonly ms: number;
  readonly peakMiB: number;
  readonly code: number;
  readonly lines: number;
}

async function refuse(label: string, cmd: string, args: string[]): Promise<Refusal> {
  const rssFile = Deno.makeTempFileSync({ prefix: "bench-rss-" });
  const start = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", "-o", rssFile, cmd, ...args],
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const ms = performance.now() - start;
  const rss = Number(Deno.readTextFileSync(rssFile).trim().split("\n").at(-1));
  Deno.removeSync(rssFile);
  const stderr = new TextDecoder().decode(out.stderr).trimEnd();
  // GNU time adds "Command exited with non-zero status 1" to its output file, not stderr.
  return { label, ms, peakMiB: rss / 1024, code: out.code, lines: stderr.split("\n").length };
}

const cli = (label: string, args: string[]) =>
  refuse(label, Deno.execPath(), ["run", "--allow-all", "--quiet", MAIN, ...args]);

/**
 * The two worst 60 MB payloads: `////` is 45 MB of 0xFF (not UTF-8, so only
 * the standard PAE is tried); `w6nDqcOp` is 45 MB of "é" (UTF-8, so the
 * legacy PAE hashes it too, as a 180 MB bytes literal).
 */
const PAYLOADS = { "////": "////".repeat(15_000_000), "w6nDqcOp": "w6nDqcOp".repeat(7_500_000) };

/** A copy of `model.sig` of `folder` in `dir` with the payload `base64`. */
function hostileSignature(dir: string, folder: string, name: string, base64: string): string {
  const bundle = JSON.parse(Deno.readTextFileSync(nodePath.join(DATA, folder, "model.sig")));
  bundle.dsseEnvelope.payload = base64;
  const path = nodePath.join(dir, `${folder}-${name.replaceAll("/", "_")}.sig`);
  Deno.writeTextFileSync(path, JSON.stringify(bundle));
  return path;
}

/** Measures every refusal; the caller prints them. */
export async function measureHostile(): Promise<Refusal[]> {
  const dir = Deno.makeTempDirSync({ prefix: "bench-hostile-" });
  try {
    const rows: Refusal[] = [];
    const signatures = Object.entries(PAYLOADS).map(([name, base64]) => ({
      name,
      key: hostileSignature(dir, "v1.1.0-elliptic-key", name, base64),
      cert: hostileSignature(dir, "v1.0.1-certificate", name, base64),
    }));
    rows.push(await refuse("cat of a 60 MB signature (reference)", "cat", [signatures[0].key]));
    // What the "é" rows must hash at the least (PAE 45 MB + legacy PAE 180 MB), natively.
    const sparse = nodePath.join(dir, "225MB");
    Deno.writeFileSync(sparse, new Uint8Array(0));
    Deno.truncateSync(sparse, 225_000_000);
    rows.push(
      await refuse("openssl dgst -sha384 of 225 MB (reference)", "openssl", [
        "dgst",
        "-sha384",
        sparse,
      ]),
    );
    for (const { name, key, cert } of signatures) {
      const label = `60 MB ${name} payload`;
      rows.push(
        await cli(`${label}: verify key`, [
          "verify",
          "key",
          "--signature",
          key,
          "--public-key",
          PUB,
          KEY_MODEL,
        ]),
      );
      rows.push(
        await cli(`${label}: verify certificate`, [
          "verify",
          "certificate",
          "--signature",
          cert,
          "--certificate-chain",
          CA,
          CERT_MODEL,
        ]),
      );
    }
    const fifo = nodePath.join(dir, "fifo");
    if (!new Deno.Command("mkfifo", { args: [fifo] }).outputSync().success) {
      throw new Error("mkfifo");
    }
    const specials = ["/dev/zero", "/dev/urandom", fifo];
    for (const t of [...specials]) {
      const link = nodePath.join(dir, `link-to-${nodePath.basename(t)}`);
      Deno.symlinkSync(t, link);
      specials.push(link);
    }
    const out = nodePath.join(dir, "out.sig");
    const options = fileOptionCases(out);
    for (const [option, args] of options) {
      for (const p of specials) {
        const shown = p.startsWith(dir) ? nodePath.basename(p) : p;
        rows.push(await cli(`${option} ${shown}`, args(p)));
      }
    }
    return rows;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Prints the rows and one pass/fail line per target. */
export function printHostile(rows: readonly Refusal[]): void {
  const load = Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(
    `\nHostile inputs (issue 17), load ${load}: exit 1 with one line, < ${LIMIT_MS} ms, < ${LIMIT_MIB} MiB`,
  );
  let failed = 0;
  let refusals = 0;
  for (const r of rows) {
    const reference = r.label.endsWith("(reference)");
    if (!reference) refusals++;
    const ok = reference ||
      (r.code === 1 && r.lines === 1 && r.ms < LIMIT_MS && r.peakMiB < LIMIT_MIB);
    if (!ok) failed++;
    console.log(
      `  ${reference ? "    " : ok ? "PASS" : "FAIL"}  ${r.label.padEnd(56)} ${
        r.ms.toFixed(0).padStart(6)
      } ms ${r.peakMiB.toFixed(0).padStart(5)} MiB  exit ${r.code}`,
    );
  }
  console.log(
    `  ${refusals - failed} of ${refusals} refusals within the targets (bench process RSS ${
      (peakRssKiB() / 1024).toFixed(0)
    } MiB)`,
  );
}

if (import.meta.main) printHostile(await measureHostile());
