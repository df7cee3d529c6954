/** The few types of socket.io-client 2.x (it ships none) that the tests use. */
export interface V2Socket {
  readonly id: string;
  readonly connected: boolean;
  readonly io: {
    readonly engine: { readonly id: string; readonly transport: { readonly name: string } };
  };
  on(event: string, listener: (...args: never[]) => void): V2Socket;
  once(event: string, listener: (...args: never[]) => void): V2Socket;
  emit(event: string, ...args: unknown[]): V2Socket;
  disconnect(): V2Socket;
  close(): V2Socket;
}

/** Connects to `url` (its path is the namespace). */
declare function io(url: string, options?: Record<string, unknown>): V2Socket;
export default io;
