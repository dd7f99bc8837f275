// Bad inputs for the differential tests: values of every JS type a caller could pass where the
// API wants something else, and values that run the caller's own code (getters, proxies,
// `toString`) and throw from it. Each is a factory, so the two implementations get equal but
// distinct values (a getter that counts its reads answers both the same way).
import fc from 'fast-check';

/** What the caller's own code throws: it must reach the caller unchanged, never wrapped. */
export class CallerError extends Error {
  constructor(readonly where: string) {
    super(`the caller's ${where} threw`);
    this.name = 'CallerError';
  }
}

/** An object every property read, conversion and key listing of which throws a {@link CallerError}. */
function throwingProxy(): object {
  return new Proxy(
    {},
    {
      // Not named by key: the order in which an implementation reads a request's fields is
      // not part of the contract, only that the caller's exception reaches the caller.
      get: () => {
        throw new CallerError('getter');
      },
      ownKeys: () => {
        throw new CallerError('ownKeys');
      },
      getOwnPropertyDescriptor: () => {
        throw new CallerError('getOwnPropertyDescriptor');
      },
    },
  );
}

/** A named factory of a bad value. */
export interface BadValue {
  readonly name: string;
  readonly make: () => unknown;
}

/** Every bad value, for tests that try them all. */
export const BAD_VALUES: readonly BadValue[] = [
  { name: 'undefined', make: () => undefined },
  { name: 'null', make: () => null },
  { name: '0', make: () => 0 },
  { name: '42', make: () => 42 },
  { name: '-1', make: () => -1 },
  { name: '1.5', make: () => 1.5 },
  { name: 'NaN', make: () => Number.NaN },
  { name: 'Infinity', make: () => Number.POSITIVE_INFINITY },
  { name: '2**32', make: () => 2 ** 32 },
  { name: 'true', make: () => true },
  { name: "''", make: () => '' },
  { name: "'x'", make: () => 'x' },
  { name: 'lone surrogate', make: () => 'a\ud800' },
  { name: 'symbol', make: () => Symbol('bad') },
  { name: 'bigint', make: () => 10n },
  { name: '{}', make: () => ({}) },
  { name: '[]', make: () => [] },
  { name: "['x']", make: () => ['x'] },
  { name: 'Object.create(null)', make: () => Object.create(null) },
  { name: 'Object.create(null) with a path', make: () => Object.assign(Object.create(null), { path: '/a' }) },
  { name: 'function', make: () => () => 1 },
  { name: 'Date', make: () => new Date(0) },
  { name: 'throwing proxy', make: throwingProxy },
  {
    name: 'throwing toString',
    make: () => ({
      toString() {
        throw new CallerError('toString');
      },
    }),
  },
];

/** Any of the bad values. */
export const badValue: fc.Arbitrary<BadValue> = fc.constantFrom(...BAD_VALUES);

/**
 * A spec field whose getter answers `first` on the first read and `later` on every other: a
 * caller that reads a field twice would see two different routes.
 */
export function fickle<T extends object>(base: T, key: string, first: unknown, later: unknown): T {
  let reads = 0;
  return Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get: () => (reads++ === 0 ? first : later),
  });
}

/** An outcome both implementations must agree on: a summary of the result, or of the error. */
export type Outcome = { ok: unknown } | { error: string } | { caller: string };

/**
 * Runs `f` and summarizes: the value through `summary`, a Switchyard error by class, code and
 * message, an error of the caller's own code by where it was thrown (so that wrapping it, as
 * an `InternalError` say, shows as a difference), anything else by class and message.
 */
export function outcomeOf(f: () => unknown, summary: (value: unknown) => unknown = () => 'ok'): Outcome {
  try {
    return { ok: summary(f()) };
  } catch (error) {
    if (error instanceof CallerError) return { caller: error.where };
    const e = error as Error & { code?: string };
    return { error: `${e?.constructor?.name} ${e?.code} ${e?.message}` };
  }
}
