/**
 * What the namespaces of one `createRedisStreamsAdapter` share, as in the Node package: the
 * application's client (XADD, PUBLISH, sessions), one subscriber connection, and one reader
 * connection per stream whose entries go to the adapter of their namespace. The connections
 * open with the first adapter's `init` and close with the last adapter.
 * @module
 */
import { getLogger } from "../../_internal/log.ts";
import type { ClusterMessage } from "../cluster/message.ts";
import type { PubSub } from "../redis/clients.ts";
import type { OwnedConnection } from "./connections.ts";
import { decodeStreamFields } from "./stream_codec.ts";
import { entriesOfRange, startStreamReader, type StreamEntry } from "./stream_reader.ts";

const log = getLogger("redis");

/** An adapter the hub feeds: its namespace, and where stream messages go. */
export interface StreamMember {
  /** The namespace name. */
  readonly nsp: { readonly name: string };
  /** A message read from the stream, with its entry id. */
  onMessage(message: ClusterMessage, offset: string): void;
}

/** What the hub needs to know. */
export interface StreamsHubOptions {
  /** Entries per XREAD. */
  readonly readCount: number;
  /** Ms an XREAD blocks. */
  readonly blockTimeInMs: number;
}

/** The shared connections of one adapter factory. */
export interface StreamsHub {
  /** The application's client (never closed by the adapter). */
  readonly main: PubSub;
  /** The subscriber connection, opened on first use. */
  subscriber(): Promise<PubSub>;
  /** Feeds `member` the entries of `stream`, reading from the stream's current end. */
  join(member: StreamMember, stream: string): Promise<void>;
  /** Stops feeding `member`; the last one out closes the hub's connections. */
  leave(member: StreamMember): void;
}

interface Reading {
  readonly ready: Promise<{ connection: OwnedConnection; stop(): void }>;
}

/** The hub of one `createRedisStreamsAdapter(client, options)`. */
export function createStreamsHub(
  main: PubSub,
  duplicate: () => Promise<OwnedConnection>,
  options: StreamsHubOptions,
): StreamsHub {
  const members = new Map<string, StreamMember>();
  const readings = new Map<string, Reading>();
  let subscriber: Promise<OwnedConnection> | undefined;

  const deliver = ({ id, fields }: StreamEntry) => {
    if (!fields.nsp) return;
    const member = members.get(fields.nsp);
    if (!member) return;
    const decoded = decodeStreamFields(fields);
    if (!decoded.ok) {
      log.debug("ignored a malformed stream entry", { id, error: decoded.error });
      return;
    }
    member.onMessage(decoded.value, id);
  };

  const startReading = (stream: string): Reading => {
    const ready = (async () => {
      // from the last entry now: everything added once join() resolved is read
      const last = entriesOfRange(
        await main.command(["XREVRANGE", stream, "+", "-", "COUNT", "1"]),
      )[0];
      const connection = await duplicate();
      const reader = startStreamReader(connection.redis, last?.id ?? "0-0", {
        stream,
        readCount: options.readCount,
        blockTimeInMs: options.blockTimeInMs,
        onEntry: deliver,
      });
      return { connection, stop: reader.stop };
    })();
    return { ready };
  };

  const closeAll = () => {
    for (const reading of readings.values()) {
      void reading.ready.then(({ connection, stop }) => {
        stop();
        connection.close();
      }, () => {});
    }
    readings.clear();
    void subscriber?.then((connection) => connection.close(), () => {});
    subscriber = undefined;
  };

  return {
    main,
    subscriber() {
      subscriber ??= duplicate();
      return subscriber.then((connection) => connection.redis);
    },
    async join(member, stream) {
      members.set(member.nsp.name, member);
      let reading = readings.get(stream);
      if (!reading) readings.set(stream, reading = startReading(stream));
      await reading.ready;
    },
    leave(member) {
      if (members.get(member.nsp.name) === member) members.delete(member.nsp.name);
      if (members.size === 0) closeAll();
    },
  };
}
