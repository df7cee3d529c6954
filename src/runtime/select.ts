import type { RuntimeBinding } from "./binding.ts";
import { bunBinding, isBunServer } from "./bun.ts";
import { denoBinding } from "./deno.ts";

/** Key under which a host (the Node `serve` helper) passes its own binding in `env`. */
export const RUNTIME_BINDING_KEY = "sioRuntime";

const NO_RUNTIME: RuntimeBinding = {
  upgrade: () => undefined,
  remoteAddress: () => "",
  holdOpen: () => {},
};

/** Picks the binding for a request from the second argument `fetch` received. */
export function selectRuntime(env: unknown): RuntimeBinding {
  const given = (env as Record<string, unknown> | undefined)?.[RUNTIME_BINDING_KEY];
  if (given) return given as RuntimeBinding;
  if (isBunServer(env)) return bunBinding(env);
  if ("Deno" in globalThis) return denoBinding(env);
  return NO_RUNTIME;
}
