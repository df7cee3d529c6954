/**
 * Which synchronous run of code is going on, counted process-wide and only while someone asks.
 * The reference's WebSocket transport is unwritable from a send until that write's callback,
 * which Node runs right after the code that wrote (on its next tick); a WebSocket that wrote
 * during the current run counts as having a write in flight, so a volatile packet sent right
 * behind it is dropped, as in socket.io.
 * @module
 */

let turn = 1;
let advancing = false;

function advance(): void {
  advancing = false;
  turn++;
}

/** The current run's number; one microtask per run moves it on, whatever the number of callers. */
export function currentTurn(): number {
  if (!advancing) {
    advancing = true;
    queueMicrotask(advance);
  }
  return turn;
}

/** Whether `writtenIn` (a number from `currentTurn`) is the run going on now. */
export function isCurrentTurn(writtenIn: number): boolean {
  return writtenIn === turn;
}
