/** A runner that starts each function only after the one before it settled (fulfilled or not): a queue in this process. */
export function oneAtATime(): <T>(fn: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const result = last.then(fn);
    last = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
}
