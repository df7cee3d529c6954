/**
 * Which OpenTelemetry tracer a server uses, decided once when the server is created: the
 * `tracing` option's own provider, else the global one if the application registered one
 * (`trace.setGlobalTracerProvider`, or an SDK's `register()`/`start()`) before that, else
 * none, and then no span or context is ever made.
 * @module
 */
import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from "@opentelemetry/api";

/**
 * An OpenTelemetry `TracerProvider`, as far as the server uses one (the type is structural so
 * the public API does not carry OpenTelemetry's types).
 */
export interface TracerProviderLike {
  /** Returns the tracer of an instrumentation scope. */
  getTracer(name: string, version?: string): unknown;
}

/** The `tracing` option: on (the global provider, if registered), off, or a provider. */
export type TracingOption = boolean | { readonly tracerProvider?: TracerProviderLike };

/** The name tracers are asked for (the instrumentation scope). */
export const TRACER_NAME = "sio-gateway";

/** What the global provider delegates to while nothing is registered (this copy of the API's). */
const NOOP_DELEGATE = new ProxyTracerProvider().getDelegate();

/**
 * The tracer spans are made with, or undefined when tracing is off or no provider is
 * registered (checked now, once: a provider registered later is not seen by this server).
 */
export function resolveTracer(option: TracingOption): Tracer | undefined {
  if (option === false) return undefined;
  const provider = (typeof option === "object" ? option.tracerProvider : undefined) ??
    registeredProvider();
  return provider?.getTracer(TRACER_NAME) as Tracer | undefined;
}

/** The global tracer provider if the application registered one, else undefined. */
export function registeredProvider(): TracerProvider | undefined {
  const global = trace.getTracerProvider() as TracerProvider & {
    getDelegate?: () => TracerProvider;
  };
  const delegate = typeof global.getDelegate === "function" ? global.getDelegate() : global;
  // another copy of the API has its own no-op provider, of the same class
  if (delegate === NOOP_DELEGATE || delegate.constructor?.name === "NoopTracerProvider") {
    return undefined;
  }
  return global;
}
