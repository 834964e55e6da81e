/** A stack overflow, as V8 reports it: what a value nested thousands of levels deep causes in recursive code. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes('call stack');
}
