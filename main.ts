/**
 * The `model_signing` command line.
 *
 * @example
 * ```sh
 * deno run --allow-read main.ts digest path/to/model
 * ```
 *
 * @module
 */

import { run } from "./src/cli/main.ts";

if (import.meta.main) {
  Deno.exit(await run(Deno.args));
}
