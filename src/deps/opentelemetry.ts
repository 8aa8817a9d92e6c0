/**
 * The OpenTelemetry API, loaded only when telemetry is on (`OTEL_DENO=true`,
 * see `src/util/telemetry.ts`); Deno's built-in exporter implements it.
 *
 * @module
 */

/** Marks when the API loads, so profiles and the lazy-loading test can see it. */
export const LOADED_MARK = "model-signing:opentelemetry-loaded";
performance.mark(LOADED_MARK);

export { SpanStatusCode, trace } from "npm:@opentelemetry/api@1.9.0";
export type { Span, Tracer } from "npm:@opentelemetry/api@1.9.0";
