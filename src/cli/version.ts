/**
 * The program's version: `deno.json` is the one source of truth. Importing it
 * as a JSON module keeps it inside `deno compile` output and works when the
 * program runs from a URL.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };

/** The version string, e.g. `0.1.0`. */
export const VERSION: string = denoJson.version;

/** The program name shown in `--version` and usage lines. */
export const PROGRAM = "model_signing";
