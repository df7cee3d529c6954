/**
 * What the `@socket.io/admin-ui` 0.5 page and a server say to each other on the admin
 * namespace: the features a server announces, the shapes of its reports, the event names.
 * @module
 */

/** A capability the server announces in `config`; the UI shows only what is announced. */
export type AdminFeature =
  | "EMIT"
  | "JOIN"
  | "LEAVE"
  | "DISCONNECT"
  | "MJOIN"
  | "MLEAVE"
  | "MDISCONNECT"
  | "AGGREGATED_EVENTS"
  | "ALL_EVENTS";

/** The actions the UI may send, in the order the reference announces them. */
export const ACTION_FEATURES: readonly AdminFeature[] = [
  "EMIT",
  "JOIN",
  "LEAVE",
  "DISCONNECT",
  "MJOIN",
  "MLEAVE",
  "MDISCONNECT",
];

/** One count of the dashboard's charts: how many `type` (of `subType`) in one second. */
export interface AggregatedEvent {
  /** Start of the second, ms since the epoch. */
  readonly timestamp: number;
  /** `rawConnection`, `rawDisconnection`, `packetsIn`, `packetsOut`, `bytesIn`, `bytesOut`. */
  readonly type: string;
  /** The disconnection reason, for `rawDisconnection`. */
  readonly subType?: string;
  /** How many (bytes for the byte counts). */
  count: number;
}

/** A namespace and how many sockets it has on one server. */
export interface NamespaceDetails {
  /** Namespace name. */
  readonly name: string;
  /** Sockets connected to it on this server. */
  readonly socketsCount: number;
}

/** What each server reports every 2 seconds (`server_stats`). */
export interface ServerStats {
  /** The server's id in the UI's server list. */
  readonly serverId: string;
  /** The machine's host name. */
  readonly hostname: string;
  /** The process id. */
  readonly pid: number;
  /** Seconds since the process started. */
  readonly uptime: number;
  /** Open Engine.IO connections. */
  readonly clientsCount: number;
  /** Of those, connections still on HTTP long-polling. */
  readonly pollingClientsCount: number;
  /** Counts since the previous report. */
  readonly aggregatedEvents: AggregatedEvent[];
  /** Namespaces and their socket counts. */
  readonly namespaces: NamespaceDetails[];
}

/** A socket as the UI lists it (`all_sockets`, `socket_connected`). */
export interface SerializedSocket {
  /** Socket id. */
  readonly id: string;
  /** The first 12 characters of its Engine.IO session id (the UI groups sockets by it). */
  readonly clientId: string | undefined;
  /** `polling` or `websocket`. */
  readonly transport: string | undefined;
  /** Namespace name. */
  readonly nsp: string;
  /** `socket.data`, without the admin's own `_admin` entry. */
  readonly data: unknown;
  /** The handshake, without `auth`. */
  readonly handshake: Record<string, unknown>;
  /** Rooms, its own id room included. */
  readonly rooms: string[];
}

/** The key of `socket.data` where the admin keeps what other servers need to list a socket. */
export const ADMIN_DATA_KEY = "_admin";

/** What the admin keeps in `socket.data._admin` (it travels with `fetchSockets` answers). */
export interface AdminSocketData {
  /** See `SerializedSocket.clientId`. */
  clientId: string;
  /** See `SerializedSocket.transport`. */
  transport: string;
}
