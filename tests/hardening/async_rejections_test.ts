/**
 * A promise rejected by an application's async listener, middleware or hook never reaches the
 * runtime as an unhandled rejection (which kills the process on Deno and Bun): it is logged at
 * error level (and goes to a gateway's `onError`), and the server carries on for everyone.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { createServer, defineGateway, type GatewaySocket, type SocketIoServer } from "../../mod.ts";
import { ConnectError, createTestClient } from "../../testing.ts";
import { captureLogs, type LogRecord, stopCapturingLogs } from "../_helpers/log_capture.ts";

const rejects = (message: string) => () => Promise.reject(new Error(message));
const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("rejected promises of application code", () => {
  const records: LogRecord[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  before(async () => {
    process.on("unhandledRejection", onUnhandled);
    await captureLogs(records, ["sio"], "error");
  });
  after(async () => {
    process.off("unhandledRejection", onUnhandled);
    await stopCapturingLogs();
  });

  /** Runs `trigger` against a server set up by `setup`, then checks the aftermath. */
  async function survives(
    setup: (io: SocketIoServer) => void,
    trigger: (io: SocketIoServer) => Promise<void>,
    logged: string | undefined,
  ): Promise<void> {
    records.length = 0;
    unhandled.length = 0;
    const ping = defineGateway({ namespace: "/bystander", events: { ping: () => "pong" } });
    const io = createServer({ gateways: [ping] });
    setup(io);
    const bystander = await createTestClient(io, { namespace: "/bystander" });
    try {
      await trigger(io);
      await tick();
      assert.deepEqual(unhandled, []);
      const messages = records.map((record) => record.message.join(""));
      if (logged !== undefined) {
        assert.ok(messages.includes(logged), `no error log "${logged}" in ${messages}`);
      }
      assert.equal(await bystander.emitWithAck("ping"), "pong");
    } finally {
      await io.close();
    }
  }

  it("an async connection listener", () =>
    survives(
      (io) => io.of("/").on("connection", rejects("listener broke")),
      async (io) => void await createTestClient(io),
      "a connection listener threw",
    ));

  it("an async connection middleware refuses the connection with its error", () =>
    survives(
      (io) => io.of("/").use(rejects("middleware broke")),
      async (io) => {
        await assert.rejects(createTestClient(io), (error: unknown) => {
          assert.ok(error instanceof ConnectError);
          assert.equal(error.message, "middleware broke");
          return true;
        });
      },
      undefined, // a refusal is routine: no error-level log
    ));

  it("an async socket.on listener", () =>
    survives(
      (io) => io.of("/").on("connection", (socket: GatewaySocket) => socket.on("hi", rejects("x"))),
      async (io) => void (await createTestClient(io)).emit("hi"),
      "a socket listener threw",
    ));

  it("an async packet middleware (socket.use) drops the event with an error event", () => {
    const heard: string[] = [];
    return survives(
      (io) =>
        io.of("/").on("connection", (socket: GatewaySocket) => {
          socket.use(rejects("packet middleware broke"));
          socket.on("error", (error) => void heard.push((error as Error).message));
          socket.on("error", rejects("error listener broke"));
        }),
      async (io) => {
        (await createTestClient(io)).emit("hi");
        await tick();
        assert.deepEqual(heard, ["packet middleware broke"]);
      },
      "a socket listener threw",
    );
  });

  it("async onAny and onAnyOutgoing listeners", () =>
    survives(
      (io) =>
        io.of("/").on("connection", (socket: GatewaySocket) => {
          socket.onAny(rejects("any broke"));
          socket.onAnyOutgoing(rejects("outgoing broke"));
          socket.on("hi", () => socket.emit("back"));
        }),
      async (io) => {
        const client = await createTestClient(io);
        client.emit("hi");
        await client.waitFor("back");
        await tick();
        assert.equal(records.length, 2);
      },
      "a socket listener threw",
    ));

  it("an async disconnect listener", () =>
    survives(
      (io) =>
        io.of("/").on("connection", (socket: GatewaySocket) => {
          socket.on("disconnect", rejects("disconnect listener broke"));
        }),
      async (io) => await (await createTestClient(io)).close(),
      "a socket listener threw",
    ));

  it("a gateway's async disconnect hook reaches onError; a rejecting onError is logged", () => {
    const heard: string[] = [];
    const gateway = defineGateway({
      namespace: "/g",
      events: {
        fail() {
          throw new Error("handler broke");
        },
      },
      disconnect: rejects("disconnect hook broke"),
      onError(error, { event }) {
        heard.push(`${event}: ${(error as Error).message}`);
        return Promise.reject(new Error("onError broke")) as unknown as void;
      },
    });
    return survives(
      (io) => gateway.install(io.of("/g")),
      async (io) => {
        const client = await createTestClient(io, { namespace: "/g" });
        assert.deepEqual(await client.emitWithAck("fail"), { error: "handler broke" });
        await client.close();
        await tick();
        assert.deepEqual(heard, ["fail: handler broke", "disconnect: disconnect hook broke"]);
      },
      "onError threw",
    );
  });
});
