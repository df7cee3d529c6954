/**
 * Every socket of every namespace this server knows, for a UI that just connected
 * (`all_sockets`): through each namespace's adapter, so with a cluster adapter the sockets of
 * every server. A namespace whose cluster query fails lists this server's sockets only.
 * @module
 */
import { getLogger } from "../_internal/log.ts";
import type { SocketIoServer } from "../create_server.ts";
import type { Namespace } from "../server/namespace.ts";
import type { SerializedSocket } from "./protocol.ts";
import { type ListedSocket, serializeSocket } from "./serialize.ts";

const log = getLogger("admin");

/** The sockets of every namespace, as the UI lists them. */
export async function fetchAllSockets(io: SocketIoServer): Promise<SerializedSocket[]> {
  const lists = await Promise.all([...io.namespaces()].map(socketsOf));
  return lists.flat();
}

async function socketsOf(nsp: Namespace): Promise<SerializedSocket[]> {
  let sockets: ListedSocket[];
  try {
    sockets = await nsp.fetchSockets();
  } catch (error) {
    log.warn("fetchSockets failed; listing this server's sockets only", { nsp: nsp.name, error });
    sockets = [...nsp.sockets.values()];
  }
  return sockets.map((socket) => serializeSocket(socket, nsp.name));
}
