// The layers of docs/architecture.md point one way: a module imports only from its own layer or
// lower ones, a signing method never imports another method, and no import cycle exists. The
// graph is Deno's own (`deno info --json`, static, dynamic and type-only imports), from every
// entry point, and must reach every file under src/ so that none escapes the check.

import assert from "node:assert/strict";
import * as nodePath from "node:path";

const ROOT = nodePath.resolve(import.meta.dirname!, "..", "..");

/** Entry points: the public modules, the CLI, and the worker (started by URL, not imported). */
const ENTRIES = ["mod.ts", "advanced.ts", "main.ts", "src/hashing/hash_worker.ts"];

/** Folder (or file) → layer rank; the longest matching prefix decides. */
const LAYERS: ReadonlyArray<readonly [string, number]> = [
  ["src/errors.ts", 0],
  ["src/util/", 0],
  ["src/deps/", 0],
  ["src/hashing/", 1],
  ["src/manifest/", 2],
  ["src/format/", 3],
  ["src/crypto/", 4],
  ["src/methods/", 5],
  ["src/api/", 6],
  ["src/cli/", 7],
  ["mod.ts", 8],
  ["advanced.ts", 8],
  ["main.ts", 8],
];

interface Place {
  readonly rank: number;
  /** `methods/<name>` for a signing method, else undefined. */
  readonly method?: string;
}

/** The layer of a repository-relative path; throws for a file outside every layer. */
export function placeOf(rel: string): Place {
  const hit =
    LAYERS.filter(([prefix]) => prefix.endsWith("/") ? rel.startsWith(prefix) : rel === prefix)
      .sort((a, b) => b[0].length - a[0].length)[0];
  if (!hit) throw new Error(`${rel} is in no layer: place it in LAYERS and docs/architecture.md`);
  const method = /^src\/methods\/([^/]+)\//.exec(rel)?.[1];
  return { rank: hit[1], method };
}

/** One import between two repository files. */
export interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Why `edge` breaks the layering, or undefined when it is allowed. */
export function violation(edge: Edge): string | undefined {
  const a = placeOf(edge.from);
  const b = placeOf(edge.to);
  if (b.rank > a.rank) return `${edge.from} (layer ${a.rank}) imports ${edge.to} (layer ${b.rank})`;
  if (a.method && b.method && a.method !== b.method) {
    return `method ${a.method} imports method ${b.method}: ${edge.from} -> ${edge.to}`;
  }
  return undefined;
}

/** The cycles of a graph, one per strongly connected component with more than one node. */
export function cycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  }
  // Tarjan's algorithm.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return found;
}

interface InfoModule {
  readonly specifier: string;
  readonly dependencies?: ReadonlyArray<{
    readonly code?: { readonly specifier?: string };
    readonly type?: { readonly specifier?: string };
  }>;
}

/** Repository-relative path of a `file:` URL inside the repository, else undefined. */
function repoPath(specifier: string | undefined): string | undefined {
  if (!specifier?.startsWith("file:")) return undefined;
  const rel = nodePath.relative(ROOT, new URL(specifier).pathname);
  return rel.startsWith("..") ? undefined : rel.split(nodePath.sep).join("/");
}

/** Every import between repository files reachable from `ENTRIES`, with the files reached. */
async function importGraph(): Promise<{ edges: Edge[]; files: Set<string> }> {
  const edges = new Map<string, Edge>();
  const files = new Set<string>();
  for (const entry of ENTRIES) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      cwd: ROOT,
      stderr: "inherit",
    }).output();
    assert.equal(out.success, true, `deno info ${entry} failed`);
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    for (const m of info.modules) {
      const from = repoPath(m.specifier);
      if (!from) continue;
      files.add(from);
      for (const d of m.dependencies ?? []) {
        for (const to of [repoPath(d.code?.specifier), repoPath(d.type?.specifier)]) {
          if (to && to.endsWith(".ts")) edges.set(`${from} ${to}`, { from, to });
        }
      }
    }
  }
  return { edges: [...edges.values()], files };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(nodePath.join(ROOT, dir))) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...sourceFiles(rel));
    else if (e.name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

const graph = await importGraph();

Deno.test("the import graph reaches every source file (none escapes the layer check)", () => {
  assert.ok(graph.edges.length > 100, "the graph looks empty");
  assert.deepEqual(sourceFiles("src").filter((f) => !graph.files.has(f)), []);
});

Deno.test("no import points to a higher layer or from one method to another", () => {
  assert.deepEqual(graph.edges.map(violation).filter((v) => v !== undefined), []);
});

Deno.test("no import cycle", () => {
  assert.deepEqual(cycles(graph.edges), []);
});

Deno.test("the checks catch an upward import, a method importing another, and a cycle", () => {
  const up = { from: "src/hashing/walk.ts", to: "src/manifest/manifest.ts" };
  const across = { from: "src/methods/key/signer.ts", to: "src/methods/sigstore/options.ts" };
  assert.match(violation(up)!, /layer 1\) imports/);
  assert.match(violation(across)!, /method key imports method sigstore/);
  assert.equal(violation({ from: "src/api/pipeline.ts", to: "src/format/bundle.ts" }), undefined);
  assert.throws(() => placeOf("src/new_folder/x.ts"), /in no layer/);
  const a = "src/hashing/a.ts", b = "src/hashing/b.ts", c = "src/hashing/c.ts";
  assert.deepEqual(cycles([{ from: a, to: b }, { from: b, to: c }, { from: c, to: a }]), [[
    a,
    b,
    c,
  ]]);
  assert.deepEqual(cycles([{ from: a, to: b }, { from: b, to: c }]), []);
});
