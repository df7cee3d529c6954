/**
 * The scenarios. Each opens its connections, runs a closed loop (a fixed number of requests
 * in flight), measures one window and closes everything before returning.
 */
import { LatencyRecorder } from "./latency.ts";
import { openPolling } from "./polling_client.ts";
import { cpuBetween, markCpu, rssKiB } from "./proc.ts";
import type { TrialConfig, TrialResult } from "./trial.ts";
import { measureWindow, sleep, summarise, waitFor } from "./window.ts";
import { openConn, openMany, readInt, wsUrl } from "./ws_client.ts";

/** Drain time allowed for requests in flight when the window closes. */
const DRAIN_MS = 2000;
/** Ring of send times indexed by ack id (ids in flight per connection stay far below it). */
const RING = 1024;
const RING_MASK = RING - 1;

const ackRequest = (id: number) =>
  `42${id}["message-with-ack",{"id":${id},"text":"hello benchmark"}]`;

/**
 * ack / binary: `clients` sockets, each keeping `inflight` message-with-ack requests
 * outstanding (text, or one binary attachment of `payloadBytes`); an op is one ack.
 */
export async function ackEcho(config: TrialConfig, binary: boolean): Promise<TrialResult> {
  const recorder = new LatencyRecorder();
  const url = wsUrl(config.port, config.protocol);
  const payload = new Uint8Array(config.payloadBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  let running = true;
  let outstanding = 0;
  let errors = 0;

  const open = async () => {
    const sent = new Float64Array(RING);
    const slots = binary && config.protocol === "raw"
      ? Array.from({ length: config.inflight }, () => payload.slice())
      : [];
    let nextId = 1;
    const conn = await openConn(url, config.protocol, {
      ack(id) {
        outstanding--;
        recorder.add(performance.now() - sent[id & RING_MASK]);
        if (running) fire();
      },
      closed() {
        if (running) errors++;
      },
    });
    const fire = () => {
      const id = nextId++;
      sent[id & RING_MASK] = performance.now();
      outstanding++;
      if (!binary) {
        conn.sendText(ackRequest(id));
      } else if (config.protocol === "sio") {
        conn.sendText(`451-${id}["message-with-ack",{"_placeholder":true,"num":0}]`);
        conn.sendBinary(payload);
      } else {
        const slot = slots[id % slots.length];
        new DataView(slot.buffer).setUint32(0, id);
        conn.sendBinary(slot);
      }
    };
    return { conn, start: () => Array.from({ length: config.inflight }, fire) };
  };
  const clients = await openAll(config.clients, open);
  for (const client of clients) client.start();
  const reading = await measureWindow(config, recorder);
  running = false;
  if (!(await waitFor(() => outstanding === 0, DRAIN_MS))) errors += outstanding;
  for (const client of clients) client.conn.close();
  return summarise(config, reading, recorder, errors);
}

/**
 * fanout: `sockets` sockets join room "fan"; one more socket (not in the room) emits
 * broadcast-room with a sequence number and a timestamp, `window` broadcasts in flight;
 * an op is one delivery, its latency from the emit to that socket's receipt.
 */
export async function fanOut(config: TrialConfig): Promise<TrialResult> {
  const recorder = new LatencyRecorder();
  const url = wsUrl(config.port, config.protocol);
  const pending = new Map<number, { remaining: number; at: number }>();
  let running = true;
  let errors = 0;
  let nextSeq = 1;

  const emit = () => {
    const seq = nextSeq++;
    const at = performance.now();
    pending.set(seq, { remaining: config.sockets, at });
    const args = `${seq},${at.toFixed(3)}]`;
    emitter.sendText(
      config.protocol === "sio" ? `42["broadcast-room","fan",${args}` : `B42["broadcast",${args}`,
    );
  };
  const complete = (seq: number) => {
    pending.delete(seq);
    if (running) emit();
  };
  const receive = (text: string) => {
    // 42["broadcast",<seq>,<t>]; other events (the "auth" greeting) are ignored.
    if (text.charCodeAt(4) !== 98) return;
    const now = performance.now();
    const seq = readInt(text, 15);
    const comma = text.indexOf(",", 15);
    recorder.add(now - Number(text.slice(comma + 1, text.length - 1)));
    const entry = pending.get(seq);
    if (entry && --entry.remaining === 0) complete(seq);
  };

  const receivers = await openAll(config.sockets, async () => {
    const joined = Promise.withResolvers<void>();
    const conn = await openConn(url, config.protocol, {
      event: receive,
      ack: () => joined.resolve(),
      closed() {
        if (running) errors++;
      },
    });
    if (config.protocol === "sio") {
      conn.sendText(`421["join","fan"]`);
      await joined.promise;
    }
    return { conn };
  });
  const emitter = await openConn(url, config.protocol, {});
  // A broadcast that lost deliveries (a dropped socket) must not stall the window for ever.
  const watchdog = setInterval(() => {
    const stale = performance.now() - 3000;
    for (const [seq, entry] of pending) {
      if (entry.at < stale) {
        errors += entry.remaining;
        complete(seq);
      }
    }
  }, 250);
  for (let i = 0; i < config.window; i++) emit();
  const reading = await measureWindow(config, recorder);
  running = false;
  await waitFor(() => pending.size === 0, DRAIN_MS);
  clearInterval(watchdog);
  for (const entry of pending.values()) errors += entry.remaining;
  emitter.close();
  for (const receiver of receivers) receiver.conn.close();
  return summarise(config, reading, recorder, errors);
}

/**
 * connect: `clients` loops, each: open a WebSocket, Engine.IO handshake, CONNECT to "/",
 * one message-with-ack, close (raw: open, one echo, close); an op is one such cycle.
 */
export async function connectRate(config: TrialConfig): Promise<TrialResult> {
  const recorder = new LatencyRecorder();
  const url = wsUrl(config.port, config.protocol);
  let running = true;
  let errors = 0;
  const loop = async () => {
    while (running) {
      const started = performance.now();
      try {
        await cycle(url, config);
        recorder.add(performance.now() - started);
      } catch {
        errors++;
        await sleep(50);
      }
    }
  };
  const loops = Array.from({ length: config.clients }, loop);
  const reading = await measureWindow(config, recorder);
  running = false;
  await Promise.race([Promise.all(loops), sleep(DRAIN_MS)]);
  return summarise(config, reading, recorder, errors);
}

function cycle(url: string, config: TrialConfig): Promise<void> {
  const acked = Promise.withResolvers<void>();
  // A close after a failed open rejects it with nobody waiting: not an unhandled rejection.
  acked.promise.catch(() => {});
  const timer = setTimeout(() => acked.reject(new Error("no ack")), 10_000);
  return openConn(url, config.protocol, {
    ack: () => acked.resolve(),
    closed: () => acked.reject(new Error("closed")),
  }).then(async (conn) => {
    conn.sendText(ackRequest(1));
    try {
      await acked.promise;
    } finally {
      clearTimeout(timer);
      conn.close();
    }
  }, (error) => {
    clearTimeout(timer);
    throw error;
  });
}

/**
 * memory: after a warm-up of connect cycles, read the server's RSS, open `sockets`
 * connections (joined to "/"), let the server settle for `durationMs`, read RSS again;
 * the figure is the RSS growth per connection.
 */
export async function idleMemory(config: TrialConfig): Promise<TrialResult> {
  const recorder = new LatencyRecorder();
  const url = wsUrl(config.port, config.protocol);
  let errors = 0;
  const warm = { ...config, clients: 4, warmupMs: 0, durationMs: config.warmupMs };
  await connectRate(warm);
  await sleep(Math.min(1000, config.durationMs));
  const before = rssKiB(config.serverPid);
  const start = markCpu(config.serverPid);
  recorder.recording = true;
  const conns = await openMany(config.sockets, 100, async () => {
    const started = performance.now();
    const conn = await openConn(url, config.protocol, {
      closed() {
        errors++;
      },
    });
    recorder.add(performance.now() - started);
    return conn;
  });
  recorder.recording = false;
  const window = cpuBetween(start, markCpu(config.serverPid), config.clockTicks);
  await sleep(config.durationMs);
  const after = rssKiB(config.serverPid);
  const result = summarise(config, window, recorder, errors, {
    kibPerConn: Math.round(((after - before) / config.sockets) * 100) / 100,
    note: `RSS ${before} → ${after} KiB`,
  });
  for (const conn of conns) conn.close();
  return result;
}

/**
 * polling: `clients` long-polling sessions (no upgrade), each keeping `inflight`
 * message-with-ack requests outstanding; an op is one ack.
 */
export async function pollingAcks(config: TrialConfig): Promise<TrialResult> {
  const recorder = new LatencyRecorder();
  let running = true;
  let outstanding = 0;
  let errors = 0;
  const onError = () => {
    if (running) errors++;
  };
  const clients = await openAll(config.clients, async () => {
    const sent = new Float64Array(RING);
    let nextId = 1;
    const conn = await openPolling(config.port, (id) => {
      outstanding--;
      recorder.add(performance.now() - sent[id & RING_MASK]);
      if (running) fire();
    }, onError);
    const fire = () => {
      const id = nextId++;
      sent[id & RING_MASK] = performance.now();
      outstanding++;
      conn.send(ackRequest(id));
    };
    return { conn, start: () => Array.from({ length: config.inflight }, fire) };
  });
  for (const client of clients) client.start();
  const reading = await measureWindow(config, recorder);
  running = false;
  if (!(await waitFor(() => outstanding === 0, DRAIN_MS))) errors += outstanding;
  await Promise.all(clients.map((client) => client.conn.close()));
  return summarise(config, reading, recorder, errors);
}

/** Opens `count` clients, 50 handshakes at a time. */
function openAll<T>(count: number, open: () => Promise<T>): Promise<T[]> {
  return openMany(count, 50, open);
}
