// The one way property tests run fast-check, so every one of them honours the same settings:
//   FC_SEED=<int>  replays a run (every property of the run uses this seed);
//   FC_RUNS=<int>  sets the number of cases of every property (default: each test's own count).
// A failure says how to replay it: the seed and run count are put in front of fast-check's own
// report (which adds the shrunk counterexample and its path).
import fc from 'fast-check';

function readInteger(name: string, min: number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** The seed of this run: FC_SEED, else drawn once per test file. */
export const fcSeed: number = readInteger('FC_SEED', Number.MIN_SAFE_INTEGER) ?? (Math.random() * 2 ** 31) | 0;
const runsOverride = readInteger('FC_RUNS', 1);

/** The number of cases a property with this default runs: FC_RUNS when set. */
export function fcRuns(defaultRuns: number): number {
  return runsOverride ?? defaultRuns;
}

/** fast-check parameters with the run's seed and case count; `extra` adds other settings. */
export function fcParameters<Ts>(defaultRuns: number, extra: fc.Parameters<Ts> = {}): fc.Parameters<Ts> {
  return { ...extra, seed: fcSeed, numRuns: fcRuns(defaultRuns) };
}

function withReplay(error: unknown, defaultRuns: number): unknown {
  const replay = `property failed; replay with FC_SEED=${fcSeed} FC_RUNS=${fcRuns(defaultRuns)}`;
  console.error(replay);
  if (error instanceof Error) error.message = `${replay}\n${error.message}`;
  return error;
}

/** `fc.assert` of a synchronous property with the run's seed and case count. */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, defaultRuns: number, extra?: fc.Parameters<Ts>): void {
  try {
    fc.assert(property, fcParameters(defaultRuns, extra));
  } catch (error) {
    throw withReplay(error, defaultRuns);
  }
}

/** `fc.assert` of an asynchronous property with the run's seed and case count. */
export async function assertAsyncProperty<Ts>(
  property: fc.IAsyncProperty<Ts>,
  defaultRuns: number,
  extra?: fc.Parameters<Ts>,
): Promise<void> {
  try {
    await fc.assert(property, fcParameters(defaultRuns, extra));
  } catch (error) {
    throw withReplay(error, defaultRuns);
  }
}
