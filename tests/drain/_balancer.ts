/**
 * A small TCP load balancer on 127.0.0.1 for drain tests: each new connection goes to the
 * backend port `pick()` names (round robin, or the first ready one); WebSocket traffic passes
 * through as bytes. `dropTo(port)` cuts the connections to one backend, as its process exiting
 * would.
 */
import { createConnection, createServer, type Socket } from "node:net";

/** A running balancer. */
export interface Balancer {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Connections made to each backend port so far. */
  readonly connections: Map<number, number>;
  /** Destroys every connection to `port`. */
  dropTo(port: number): void;
  /** Stops listening and destroys every connection. */
  close(): Promise<void>;
}

/**
 * Starts a balancer sending each new connection to `pick()`'s port; with no backend to pick
 * (every node out of rotation, e.g. while the test stops them) the connection is dropped, as a
 * balancer without healthy backends does.
 */
export async function startBalancer(pick: () => number | undefined): Promise<Balancer> {
  const links = new Set<{ port: number; inbound: Socket; outbound: Socket }>();
  const connections = new Map<number, number>();
  const server = createServer((inbound) => {
    const port = pick();
    if (port === undefined) {
      inbound.destroy();
      return;
    }
    connections.set(port, (connections.get(port) ?? 0) + 1);
    const outbound = createConnection({ host: "127.0.0.1", port });
    const link = { port, inbound, outbound };
    links.add(link);
    const end = () => {
      links.delete(link);
      inbound.destroy();
      outbound.destroy();
    };
    for (const socket of [inbound, outbound]) {
      socket.on("error", end);
      socket.on("close", end);
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const destroy = (only?: number) => {
    for (const link of [...links]) {
      if (only !== undefined && link.port !== only) continue;
      link.inbound.destroy();
      link.outbound.destroy();
    }
  };
  return {
    url: `http://127.0.0.1:${port}`,
    connections,
    dropTo: (backend) => destroy(backend),
    close() {
      destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Round robin over `ports()` (read on each connection: the list may change). */
export function roundRobin(ports: () => readonly number[]): () => number | undefined {
  let next = 0;
  return () => {
    const list = ports();
    return list.length === 0 ? undefined : list[next++ % list.length];
  };
}
