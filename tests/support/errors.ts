// Catching helpers for tests that assert on a thrown error's class, code and fields.

/** The error `fn` throws; fails the test when it returns normally. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`expected an Error to be thrown, got ${String(error)}`);
  }
  throw new Error('expected an error, but the call returned normally');
}
