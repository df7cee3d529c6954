/**
 * What an idle socket costs on Deno's heap: runs our fixture under the inspector, opens N idle
 * Socket.IO connections, and diffs two heap snapshots (each after a full GC). Every object
 * new in the second one is charged to the nearest object of a named class that retains it
 * (`EngineSession.request`, `WebSocket.<symbol>`…), per socket; the heap spaces' growth shows
 * what the allocation of the burst added on top (V8 grows its young generation with the bytes
 * that survive, so per-socket objects cost about twice their size in RSS).
 *
 *   deno run -A bench/harness/heap.ts [--sockets 1000] [--top 40] [--dir CHECKOUT]
 */
import { parseArgs } from "node:util";
import { openConn, openMany, wsUrl } from "../loadgen/ws_client.ts";
import { kill, killAll, spawn } from "./children.ts";
import { SERVER_ENV } from "./servers.ts";
import { findTools, ROOT } from "./tools.ts";

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[]];
      edge_fields: string[];
      edge_types: [string[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Usage {
  heapUsed: number;
  spaces: Record<string, number>;
}

/** Objects a cost is not charged to: containers and V8 internals, never an owner. */
const NOT_OWNERS = /^(Object|Array|Map|Set|Promise|Generator|system \/ .*|\(.*\))$/;

/** A minimal Chrome DevTools Protocol client over the inspector's WebSocket. */
class Inspector {
  #next = 0;
  readonly #pending = new Map<number, (result: Record<string, unknown>) => void>();
  readonly chunks: string[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.method === "HeapProfiler.addHeapSnapshotChunk") {
        this.chunks.push(message.params.chunk);
      } else if (message.id !== undefined) {
        this.#pending.get(message.id)?.(message.result ?? message.error ?? {});
        this.#pending.delete(message.id);
      }
    };
  }

  static async connect(port: number): Promise<Inspector> {
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = reject;
    });
    return new Inspector(socket);
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

async function usage(inspector: Inspector): Promise<Usage> {
  const expression = `import("node:v8").then((v8) => JSON.stringify({
    heapUsed: Deno.memoryUsage().heapUsed,
    spaces: Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
  }))`;
  const answer = await inspector.call("Runtime.evaluate", {
    expression,
    awaitPromise: true,
    returnByValue: true,
  });
  return JSON.parse((answer.result as { value: string }).value);
}

async function snapshot(inspector: Inspector): Promise<Snapshot> {
  for (let i = 0; i < 3; i++) await inspector.call("HeapProfiler.collectGarbage");
  inspector.chunks.length = 0;
  await inspector.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  return JSON.parse(inspector.chunks.join(""));
}

/** Bytes of the objects new in `after`, by owner and field, and their total. */
export function chargeNewObjects(
  before: Snapshot,
  after: Snapshot,
): { total: number; owners: Map<string, number> } {
  const meta = after.snapshot.meta;
  const nodeFields = meta.node_fields.length;
  const edgeFields = meta.edge_fields.length;
  const [TYPE, NAME, ID, SIZE, EDGES] = ["type", "name", "id", "self_size", "edge_count"]
    .map((field) => meta.node_fields.indexOf(field));
  const types = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = after;
  const oldIds = new Set<number>();
  for (let i = 0; i < before.nodes.length; i += nodeFields) oldIds.add(before.nodes[i + ID]);
  const count = nodes.length / nodeFields;
  // each node's first strong retainer, and the name of the edge from it
  const retainer = new Int32Array(count).fill(-1);
  const via: string[] = new Array(count);
  for (let node = 0, edge = 0; node < count; node++) {
    const end = edge + nodes[node * nodeFields + EDGES] * edgeFields;
    for (; edge < end; edge += edgeFields) {
      const kind = edgeTypes[edges[edge]];
      const child = edges[edge + 2] / nodeFields;
      if (kind === "weak" || kind === "shortcut" || retainer[child] !== -1) continue;
      retainer[child] = node;
      via[child] = kind === "element" || kind === "hidden"
        ? `[${kind}]`
        : String(strings[edges[edge + 1]]);
    }
  }
  const className = (node: number) =>
    types[nodes[node * nodeFields + TYPE]] === "object"
      ? strings[nodes[node * nodeFields + NAME]]
      : undefined;
  const owners = new Map<string, number>();
  let total = 0;
  for (let node = 0; node < count; node++) {
    if (oldIds.has(nodes[node * nodeFields + ID])) continue;
    const size = nodes[node * nodeFields + SIZE];
    total += size;
    let key = `(unowned) ${types[nodes[node * nodeFields + TYPE]]}`;
    for (let at = node, depth = 0; depth < 12 && retainer[at] !== -1; depth++) {
      const owner = className(retainer[at]);
      if (owner !== undefined && !NOT_OWNERS.test(owner)) {
        key = `${owner}.${via[at]}`;
        break;
      }
      at = retainer[at];
    }
    owners.set(key, (owners.get(key) ?? 0) + size);
  }
  return { total, owners };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sockets: { type: "string", default: "1000" },
      top: { type: "string", default: "40" },
      dir: { type: "string", default: ROOT },
    },
  });
  const sockets = Number(values.sockets);
  const tools = await findTools();
  const inspectPort = 9300 + Math.floor(Math.random() * 600);
  let announced: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => announced = resolve);
  const child = spawn(
    tools.deno,
    ["run", "-A", `--inspect=127.0.0.1:${inspectPort}`, "tests/fixtures/conformance_server.ts"],
    {
      cwd: values.dir,
      env: SERVER_ENV,
      onStdout: (line) => {
        const port = line.match(/listening on .*:(\d+)/)?.[1];
        if (port) announced(Number(port));
      },
    },
  );
  try {
    const port = await listening;
    const inspector = await Inspector.connect(inspectPort);
    await inspector.call("HeapProfiler.enable");
    const url = wsUrl(port, "sio");
    for (let i = 0; i < 50; i++) (await openConn(url, "sio", {})).close(); // warm up
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const usage0 = await usage(inspector);
    const before = await snapshot(inspector);
    const conns = await openMany(sockets, 100, () => openConn(url, "sio", {}));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const usage1 = await usage(inspector);
    const after = await snapshot(inspector);
    for (const conn of conns) conn.close();
    inspector.socket.close();

    const perSocket = (bytes: number) => (bytes / sockets / 1024).toFixed(2);
    const { total, owners } = chargeNewObjects(before, after);
    console.log(`${sockets} idle sockets, per socket (KiB):`);
    console.log(`  live objects (snapshot diff)  ${perSocket(total)}`);
    console.log(`  heapUsed                      ${perSocket(usage1.heapUsed - usage0.heapUsed)}`);
    for (const space of ["new_space", "old_space"]) {
      const grown = usage1.spaces[space] - usage0.spaces[space];
      console.log(`  ${space} size growth`.padEnd(32) + perSocket(grown));
    }
    console.log(`\n| bytes/socket | retained by (nearest named object . field) |`);
    console.log(`| ---: | --- |`);
    const rows = [...owners].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
    for (const [owner, bytes] of rows) {
      console.log(`| ${(bytes / sockets).toFixed(0)} | \`${owner}\` |`);
    }
  } finally {
    await kill(child);
    await killAll();
  }
}

if (import.meta.main) await main();
