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
