/**
 * The event maps of the typed example, shared by the server (and, in a real project, by the
 * client code). A client event's parameters are its arguments and its return type is the
 * acknowledgement its handler returns.
 */

/** How urgent a todo is. */
export type Priority = "low" | "normal" | "high";

/** A todo item. */
export interface Todo {
  id: number;
  title: string;
  priority: Priority;
  done: boolean;
  by: string;
}

/** What a handler acknowledges when it refuses a request. */
export interface Refusal {
  error: string;
}

/** Client → server events. */
export interface ClientEvents {
  "todo:add": (input: { title: string; priority?: Priority }) => Todo;
  "todo:toggle": (request: { id: number }) => Todo | Refusal;
  "todo:list": () => Todo[];
}

/** Server → client events. */
export interface ServerEvents {
  "todo:added": (todo: Todo) => void;
  "todo:updated": (todo: Todo) => void;
}

/** What the server keeps on each socket. */
export interface SocketData {
  name: string;
}
