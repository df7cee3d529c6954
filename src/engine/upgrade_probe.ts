/**
 * The upgrade handshake on a freshly opened transport: `2probe` is answered with `3probe` and
 * the current transport is paused, `5` switches, anything else (or `upgradeTimeout`) abandons
 * the upgrade and the current transport carries the session again.
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import { DETACHED, type Transport } from "./transport.ts";

const log = getLogger("engine");

/**
 * How often the reference checks a probed upgrade: while it waits for `5`, polling only
 * releases the client's pending GET within this many milliseconds.
 */
const PROBE_CHECK_MS = 100;

/** What an upgrade probe tells its session. */
export interface UpgradeProbeHooks {
  /** The probe started; `abandon` ends it without a switch (closing `next` unless told not to). */
  begin(abandon: (closeNext?: boolean) => void): void;
  /** The client probed `next`. */
  probed(next: Transport): void;
  /** Whether the session may still switch (it is not closed). */
  canSwitch(): boolean;
  /** The client asked to switch to `next`. */
  switchTo(next: Transport): void;
  /** The probe is over, switched or not. */
  ended(): void;
}

/** Runs the upgrade handshake of session `sid` from `current` to `next`. */
export function probeUpgrade(
  sid: string,
  current: Transport,
  next: Transport,
  timeoutMs: number,
  hooks: UpgradeProbeHooks,
): void {
  const cleanup = () => {
    hooks.ended();
    clearTimeout(upgradeTimer);
    next.bind(DETACHED);
  };
  const abandon = (closeNext = true) => {
    cleanup();
    if (closeNext) next.close();
    current.resume?.();
  };
  hooks.begin(abandon);
  const upgradeTimer = setTimeout(() => {
    log.debug("upgrade timed out", { sid });
    abandon();
  }, timeoutMs);

  next.bind({
    onPacket: (packet) => {
      if (packet.type === "ping" && packet.data === "probe") {
        next.send([{ type: "pong", data: "probe" }]);
        hooks.probed(next);
        current.pause?.(PROBE_CHECK_MS);
      } else if (packet.type === "upgrade" && hooks.canSwitch()) {
        cleanup();
        hooks.switchTo(next);
      } else abandon();
    },
    onDrain: () => {},
    onClose: () => abandon(false),
  });
}
