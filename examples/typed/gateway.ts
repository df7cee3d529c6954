/**
 * A typed gateway: the event maps type every handler's arguments and acknowledgement,
 * `socket.emit` and `socket.data`; zod schemas check what clients send. A value that fails its
 * schema is acknowledged `{ error: "validation", issues: [{ message, path }] }` and the handler
 * does not run.
 */
import { z } from "zod";
import { defineGateway, type Gateway, validated } from "../../mod.ts";
import type { ClientEvents, ServerEvents, SocketData, Todo } from "./events.ts";

const NewTodo = z.object({
  title: z.string().trim().min(1, "a title is required").max(100),
  priority: z.enum(["low", "normal", "high"]).default("normal"),
});

const TodoRef = z.object({ id: z.number().int().positive() });

const todos: Todo[] = [];

/** The todo gateway, for `createServer({ gateways: [todoGateway] })`. */
export const todoGateway: Gateway = defineGateway<ClientEvents, ServerEvents, SocketData>({
  connect(socket, auth) {
    socket.data.name = typeof auth.name === "string" && auth.name !== "" ? auth.name : "anonymous";
  },
  events: {
    // validated(schema, handler): the handler gets the schema's output, here with the default
    // priority filled in and the title trimmed
    "todo:add": validated(NewTodo, (socket, input) => {
      const todo: Todo = { id: todos.length + 1, ...input, done: false, by: socket.data.name };
      todos.push(todo);
      socket.broadcast.emit("todo:added", todo);
      return todo;
    }),
    // the same as an object: { schema, handler }
    "todo:toggle": {
      schema: TodoRef,
      handler(socket, { id }) {
        const todo = todos.find((candidate) => candidate.id === id);
        if (!todo) return { error: `no todo ${id}` };
        todo.done = !todo.done;
        socket.broadcast.emit("todo:updated", todo);
        return todo;
      },
    },
    "todo:list": () => todos,
  },
});
