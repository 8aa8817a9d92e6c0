// Every file the user names is opened once, checked to be a regular file on the handle and read
// with a hard limit (src/util/input_file.ts): devices, FIFOs without a writer and symlinks to
// them are refused with one line and exit 1 for every option that reads a file (issue 17 items
// 1, 2, 4). Time and memory of the refusals are measured in scripts/bench.ts, not here.
import assert from "node:assert/strict";
import * as nodePath from "node:path";
import { run } from "../../src/cli/main.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { readInputFile } from "../../src/util/input_file.ts";
import { MAIN } from "../cli.ts";
import { tempDir } from "../fixtures.ts";
import { fileOptionCases, KEY_MODEL, PUB } from "../file_options.ts";

/** Runs the CLI in this process, capturing both streams. */
async function runInProcess(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    out: (line) => void (stdout += line + "\n"),
    errRaw: (text) => void (stderr += text),
    stderrIsTerminal: false,
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

/** The special inputs of the issue, each also behind a symlink; made in `dir`. */
function specialInputs(dir: string): [string, string][] {
  const fifo = nodePath.join(dir, "fifo");
  const made = new Deno.Command("mkfifo", { args: [fifo] }).outputSync();
  assert.equal(made.code, 0, "mkfifo");
  const inputs: [string, string][] = [
    ["/dev/zero", "a device"],
    ["/dev/urandom", "a device"],
    [fifo, "a FIFO"],
  ];
  for (const [target, kind] of [...inputs]) {
    const link = nodePath.join(dir, `link-to-${nodePath.basename(target)}`);
    Deno.symlinkSync(target, link);
    inputs.push([link, kind]);
  }
  return inputs;
}

Deno.test("every option that reads a file refuses devices, a FIFO without a writer and symlinks to them: one line, exit 1", async () => {
  using dir = tempDir();
  const out = nodePath.join(dir.path, "out.sig");
  const inputs = specialInputs(dir.path);
  for (const [option, args] of fileOptionCases(out)) {
    for (const [path, kind] of inputs) {
      const r = await runInProcess(args(path));
      const what = `${option} ${path}`;
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, `${what}: ${r.stderr}`);
      assert.ok(
        lines[0].includes(`'${path}': it is ${kind}, not a regular file`),
        `${what}: ${lines[0]}`,
      );
      assert.throws(() => Deno.lstatSync(out), Deno.errors.NotFound, `${what} wrote a signature`);
    }
  }
});

Deno.test("the real CLI refuses a signature FIFO without a writer instead of hanging", async () => {
  using dir = tempDir();
  const fifo = nodePath.join(dir.path, "model.sig");
  assert.equal(new Deno.Command("mkfifo", { args: [fifo] }).outputSync().code, 0);
  // Before the fix open(2) waited for a writer forever; the timeout turns a hang into a failure.
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--quiet",
      MAIN,
      "verify",
      "key",
      "--signature",
      fifo,
      "--public-key",
      PUB,
      KEY_MODEL,
    ],
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, stderr);
  assert.match(
    stderr,
    /^Verification failed with error: Cannot read signature '.*': it is a FIFO, not a regular file\n$/,
  );
});

const fail = (message: string) => new Error(message);

Deno.test("readInputFile: a file larger than the limit is refused before a byte is read", () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "f");
  Deno.writeFileSync(path, new Uint8Array(1000));
  // A read sets the access time again once it is older than the modification time (relatime).
  const past = new Date("2020-01-01T00:00:00Z");
  const resetAccessTime = () => Deno.utimeSync(path, past, Deno.statSync(path).mtime!);
  const readSince = () => Deno.statSync(path).atime!.getTime() !== past.getTime();
  resetAccessTime();
  assert.equal(readInputFile(path, { what: "file", maxBytes: 1000, error: fail }).length, 1000);
  assert.ok(readSince(), "this file system records reads in the access time");
  resetAccessTime();
  assert.throws(
    () => readInputFile(path, { what: "file", maxBytes: 999, error: fail }),
    /Cannot read file '.*': it is larger than 999 bytes, the limit for a file/,
  );
  assert.ok(!readSince(), "refused on its size, unread");
  // A device reports size 0 and is refused for what it is.
  assert.throws(
    () => readInputFile("/dev/zero", { what: "key", maxBytes: 10, error: fail }),
    /it is a device, not a regular file/,
  );
});

Deno.test(
  "readInputFile: the limit holds for the bytes actually read, beyond the size a file reports",
  {
    ignore: Deno.build.os !== "linux",
  },
  () => {
    // A /proc file is a regular file that reports size 0 and holds more than 100 bytes.
    const path = "/proc/self/status";
    assert.equal(Deno.statSync(path).size, 0);
    assert.throws(
      () => readInputFile(path, { what: "file", maxBytes: 100, error: fail }),
      /Cannot read file '\/proc\/self\/status': it is larger than 100 bytes/,
    );
    assert.ok(readInputFile(path, { what: "file", maxBytes: 1 << 20, error: fail }).length > 100);
  },
);

Deno.test("readInputFile: a directory, a missing file and a name too long say so", () => {
  using dir = tempDir();
  const opts = { what: "public key", maxBytes: 100, error: fail };
  assert.throws(() => readInputFile(dir.path, opts), /it is a directory, not a regular file/);
  assert.throws(
    () => readInputFile(nodePath.join(dir.path, "absent"), opts),
    /Cannot read public key '.*absent': no such file or directory$/,
  );
  assert.throws(
    () => readInputFile(nodePath.join(dir.path, "n".repeat(300)), opts),
    /: name too long for the operating system$/,
  );
});

Deno.test("readInputFile with prefixOnly reads the first bytes of a file of any size, and refuses what is not a regular file", () => {
  using dir = tempDir();
  const path = nodePath.join(dir.path, "f");
  Deno.writeFileSync(path, new Uint8Array(5000).map((_, i) => i & 0xff));
  const head = readInputFile(path, { what: "file", maxBytes: 300, prefixOnly: true, error: fail });
  assert.deepEqual(head, new Uint8Array(300).map((_, i) => i & 0xff));
  const short = readInputFile(path, {
    what: "file",
    maxBytes: 9000,
    prefixOnly: true,
    error: fail,
  });
  assert.equal(short.length, 5000);
  assert.throws(
    () => readInputFile("/dev/zero", { what: "f", maxBytes: 10, prefixOnly: true, error: fail }),
    /it is a device, not a regular file/,
  );
});
