/**
 * OpenTelemetry spans, exported by Deno's built-in OTLP exporter when
 * `OTEL_DENO=true` (endpoint and protocol from the standard
 * `OTEL_EXPORTER_OTLP_*` variables). With telemetry off nothing is loaded
 * and {@linkcode inSpan} only calls its function. Attributes describe the
 * work (model name, digests, counts, algorithm); callers never pass a token,
 * PIN or key, and a failure is recorded by its error code only.
 *
 * @module
 */

import type { Span, Tracer } from "../deps/opentelemetry.ts";

/** Span attribute values. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** What the function inside a span may add to it. */
export interface SpanScope {
  /** Adds attributes (e.g. results known only at the end). */
  set(attributes: SpanAttributes): void;
}

const NO_SPAN: SpanScope = { set: () => {} };

let enabled: boolean | undefined;
let tracer: Promise<{ tracer: Tracer; errorCode: number }> | undefined;

/** Whether `OTEL_DENO=true`, read only when env access is already granted (never prompts). */
export function telemetryEnabled(): boolean {
  if (enabled === undefined) {
    try {
      enabled = Deno.permissions.querySync({ name: "env", variable: "OTEL_DENO" }).state ===
          "granted" && Deno.env.get("OTEL_DENO") === "true";
    } catch {
      enabled = false;
    }
  }
  return enabled;
}

function loadTracer() {
  tracer ??= import("../deps/opentelemetry.ts").then((api) => ({
    tracer: api.trace.getTracer("model-signing"),
    errorCode: api.SpanStatusCode.ERROR,
  }));
  return tracer;
}

/**
 * Runs `fn` inside a span named `name` (a child of the active one), ending
 * it when `fn` settles; without telemetry, just runs `fn`.
 *
 * @example
 * ```ts
 * const manifest = await inSpan("hash", { "model.name": "m" }, async (span) => {
 *   const m = await hashModel();
 *   span.set({ "model.root_digest": m.rootDigestString() });
 *   return m;
 * });
 * ```
 */
export async function inSpan<T>(
  name: string,
  attributes: SpanAttributes,
  fn: (span: SpanScope) => Promise<T> | T,
): Promise<T> {
  if (!telemetryEnabled()) return await fn(NO_SPAN);
  const { tracer, errorCode } = await loadTracer();
  return await tracer.startActiveSpan(name, { attributes }, async (span: Span) => {
    try {
      return await fn({ set: (a) => void span.setAttributes(a) });
    } catch (e) {
      // The code or class only: messages may quote paths or server answers.
      const code = (e as { code?: unknown }).code;
      span.setStatus({
        code: errorCode,
        message: typeof code === "string" ? code : (e as Error)?.name ?? "Error",
      });
      throw e;
    } finally {
      span.end();
    }
  });
}
