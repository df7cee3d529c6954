/**
 * Engine.IO payload codec throughput, against a same-run baseline (plain split/join of the
 * same strings), so the figure that matters is the ratio, not the machine's speed.
 *
 *   deno run bench/codec_bench.ts
 */
import { decodePayload, encodePayload, type Packet } from "../engine.ts";

const ITERATIONS = 200_000;
const packets: Packet[] = [
  { type: "message", data: '2["chat:message",{"text":"hello world"}]' },
  { type: "message", data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) },
  { type: "ping" },
];
const payload = encodePayload(packets);
const texts = ['42["chat:message",{"text":"hello world"}]', "bAQIDBAUGBwg=", "2"];

function measure(label: string, body: () => void): number {
  for (let i = 0; i < 10_000; i++) body();
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) body();
  const ms = performance.now() - start;
  const perSecond = ITERATIONS / (ms / 1000);
  console.log(`${label.padEnd(28)} ${Math.round(perSecond).toLocaleString("en")} ops/s`);
  return perSecond;
}

const baselineJoin = measure("baseline join", () => void texts.join("\x1e"));
const encode = measure("encodePayload", () => void encodePayload(packets));
const baselineSplit = measure("baseline split", () => void payload.split("\x1e"));
const decode = measure("decodePayload", () => void decodePayload(payload));
console.log(`encode / baseline: ${(baselineJoin / encode).toFixed(2)}x the time`);
console.log(`decode / baseline: ${(baselineSplit / decode).toFixed(2)}x the time`);
