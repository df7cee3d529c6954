// One load-generator process of the scale scenario (run by bench/harness/scale.ts on Node):
// opens its share of lean Socket.IO clients at a bounded rate, spread over loopback source
// addresses, keeps them idle (answering heartbeats), and obeys line commands on stdin:
//
//   MARK         → "MARK <pings> <pongs> <lost> <held> <stale>" (counters since the start;
//                  stale = held sockets with no ping for 2 ping intervals)
//   AWAIT <ms>   → waits until every held receiver got one "broadcast" event (or <ms> passed),
//                  then "DELIVERED <received> <expected> <latency ms,...>"
//   EMIT         → (the process with the emitter) emits broadcast-all with the monotonic time
//   CLOSE        → resets every socket, prints "CLOSED" and exits
//
// Configuration: SCALE_CLIENT={"port","count","firstIndex","addresses","ratePerSec",
// "concurrency","openTimeoutMs","handshakeTimeoutMs","pingIntervalMs","emitter"} (JSON).
// When opening ends it prints "OPENED <held> <failed> <ms> <first error>".
import { createInterface } from "node:readline";
import process from "node:process";
import { monotonicMs, openLean } from "./lean_ws.mjs";

const config = JSON.parse(process.env.SCALE_CLIENT ?? "{}");
const say = (/** @type {string} */ line) => process.stdout.write(line + "\n");
/** A promise and its resolve function (Node 20 has no Promise.withResolvers). */
function deferred() {
  /** @type {() => void} */
  let resolve = () => {};
  const promise = new Promise((done) => resolve = () => done(undefined));
  return { promise, resolve };
}

let pings = 0;
let lost = 0;
let held = 0;
let failed = 0;
/** @type {string | undefined} */
let firstError;
/** @type {{ close(): void }[]} */
const clients = [];
/** Last ping time (monotonic ms) per receiver; 0 = not held. */
const lastPing = new Float64Array(config.count);
/** Broadcast latency per receiver, NaN until it arrives. */
const latency = new Float64Array(config.count).fill(NaN);
let received = 0;
/** @type {(() => void) | undefined} */
let onDelivery;
/** @type {{ sendText(text: string): void } | undefined} */
let emitter;

function openOne(/** @type {number} */ index, /** @type {boolean} */ isEmitter) {
  const global = config.firstIndex + index;
  return new Promise((resolve) => {
    const client = openLean({
      port: config.port,
      localAddress: isEmitter ? "127.0.0.1" : config.addresses[global % config.addresses.length],
      timeoutMs: config.handshakeTimeoutMs,
    }, {
      connected() {
        if (isEmitter) emitter = client;
        else {
          held++;
          lastPing[index] = monotonicMs();
        }
        resolve(true);
      },
      failed(why) {
        failed++;
        firstError ??= why;
        resolve(false);
      },
      ping() {
        pings++;
        if (!isEmitter) lastPing[index] = monotonicMs();
      },
      event(text) {
        // 42["broadcast",<t0>]: the emit time on the shared monotonic clock
        if (isEmitter || !text.startsWith('42["broadcast",') || !Number.isNaN(latency[index])) {
          return;
        }
        latency[index] = monotonicMs() - Number(text.slice(15, text.length - 1));
        received++;
        onDelivery?.();
      },
      lost(why) {
        lost++;
        firstError ??= why;
        if (!isEmitter) {
          held--;
          lastPing[index] = 0;
        }
      },
    });
    clients.push(client);
  });
}

/** Opens every receiver at `ratePerSec`, at most `concurrency` handshakes at a time. */
async function openAll() {
  const started = monotonicMs();
  const giveUp = started + config.openTimeoutMs;
  // The emitter first, so that a server refusing sockets past a limit still gets a broadcast.
  if (config.emitter && !(await openOne(-1, true))) firstError = `emitter: ${firstError}`;
  let next = 0;
  let inFlight = 0;
  const done = deferred();
  const tick = () => {
    const now = monotonicMs();
    const due = Math.min(
      config.count,
      Math.floor(((now - started) / 1000) * config.ratePerSec) + 1,
    );
    while (next < due && inFlight < config.concurrency && now < giveUp) {
      inFlight++;
      openOne(next++, false).then(() => {
        inFlight--;
        if (next === config.count && inFlight === 0) done.resolve();
      });
    }
    if (now >= giveUp && inFlight === 0) done.resolve();
  };
  const timer = setInterval(tick, 5);
  tick();
  await done.promise;
  clearInterval(timer);
  const unopened = config.count - next;
  failed += unopened;
  if (unopened) firstError ??= `${unopened} not opened within ${config.openTimeoutMs} ms`;
  say(`OPENED ${held} ${failed} ${Math.round(monotonicMs() - started)} ${firstError ?? "-"}`);
}

function mark() {
  const staleBefore = monotonicMs() - 2 * config.pingIntervalMs;
  let stale = 0;
  for (let i = 0; i < lastPing.length; i++) {
    if (lastPing[i] > 0 && lastPing[i] < staleBefore) stale++;
  }
  // Every ping is answered at once, so pongs = pings; both are printed to make that visible.
  say(`MARK ${pings} ${pings} ${lost} ${held} ${stale}`);
}

async function awaitBroadcast(/** @type {number} */ ms) {
  const all = deferred();
  onDelivery = () => received >= held && all.resolve();
  onDelivery();
  const timer = setTimeout(() => all.resolve(), ms);
  await all.promise;
  clearTimeout(timer);
  onDelivery = undefined;
  const values = [];
  for (const value of latency) if (!Number.isNaN(value)) values.push(value.toFixed(2));
  say(`DELIVERED ${received} ${held} ${values.join(",")}`);
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const [command, argument] = line.trim().split(" ");
  if (command === "MARK") mark();
  else if (command === "AWAIT") awaitBroadcast(Number(argument));
  else if (command === "EMIT") {
    emitter?.sendText(`42["broadcast-all",${monotonicMs().toFixed(3)}]`);
    say(emitter ? "EMITTED" : "EMITTED none (the emitter is not connected)");
  } else if (command === "CLOSE") {
    for (const client of clients) client.close();
    say("CLOSED");
    process.exit(0);
  }
});
// The harness going away (stdin closed) ends this process too.
lines.on("close", () => process.exit(0));
await openAll();
