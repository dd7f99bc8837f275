/**
 * The per-process seed of every table whose keys a client chooses (docs/architecture.md, "Inputs
 * chosen by an attacker"). Drawn once, at first use, from `crypto.getRandomValues` where the
 * runtime has it (Node, browsers, Deno, Bun), else from `Math.random`; the same number for every
 * primitive of the process, so the reference and the native core place keys alike by default.
 */
let seed: number | undefined;

/**
 * A random uint32, the same for the whole process: the default `seed` of routers and limiters.
 * @internal shared with `@switchyard/node`.
 */
export function processSeed(): number {
  if (seed === undefined) {
    const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint32Array) => Uint32Array } }).crypto;
    const drawn =
      typeof crypto?.getRandomValues === 'function'
        ? (crypto.getRandomValues(new Uint32Array(1))[0] as number)
        : Math.floor(Math.random() * 0x1_0000_0000);
    seed = drawn >>> 0;
  }
  return seed;
}
