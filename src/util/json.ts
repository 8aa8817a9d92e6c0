/**
 * The one guard for "a JSON object" that every reader of parsed JSON shares
 * (bundles, statements, trust configs, OAuth and HTTP replies).
 *
 * @module
 */

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Why `JSON.parse` failed, without quoting the input: the parser's messages
 * show the text around the error, and a file given by mistake may be a
 * password or a key. Only V8's fixed wording and the position are kept.
 *
 * @example
 * ```ts
 * try { JSON.parse("{\"a\" 1}"); } catch (e) { jsonSyntaxReason(e); } // "expected ':' after property name at line 1, column 6"
 * ```
 */
export function jsonSyntaxReason(e: unknown): string {
  const message = e instanceof Error ? e.message : "";
  const at = /^([A-Za-z ',:{}\[\]-]+?) in JSON at position \d+ \(line (\d+) column (\d+)\)$/.exec(
    message,
  );
  if (at) return `${at[1][0].toLowerCase()}${at[1].slice(1)} at line ${at[2]}, column ${at[3]}`;
  if (message.startsWith("Unexpected end of JSON input")) return "it ends before the JSON value";
  return "an unexpected character";
}
