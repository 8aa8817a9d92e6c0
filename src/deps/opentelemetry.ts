/**
 * The OpenTelemetry API, loaded only when telemetry is on (`OTEL_DENO=true`,
 * see `src/util/telemetry.ts`); Deno's built-in exporter implements it.
 *
 * @module
 */

export { SpanStatusCode, trace } from "npm:@opentelemetry/api@1.9.0";
export type { Span, Tracer } from "npm:@opentelemetry/api@1.9.0";
