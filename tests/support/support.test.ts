// The shared test support holds the whole suite to its rules: every property test goes through
// the one fast-check helper, nothing loads a build output by path, and the native implementation
// under test really is native.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { assertAsyncProperty, assertProperty, fcParameters, fcSeed } from './fast-check.js';
import { isNative } from './implementations.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js|cjs)$/.test(e.name))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe('test support', () => {
  it('the native implementation under test is the addon, not the reference', () => {
    expect(isNative).toBe(true);
  });

  it('every property test runs through tests/support/fast-check.ts', () => {
    const direct = sources('tests')
      .filter((f) => !f.startsWith(join('tests', 'support')))
      .filter((f) => /\bfc\.assert\(/.test(readFileSync(join(root, f), 'utf8')));
    expect(direct).toEqual([]);
  });

  it('no test or benchmark imports a dist/ file by path', () => {
    const byPath = [...sources('tests'), ...sources('bench')].filter((f) =>
      /(?:from\s+|import\(\s*|require\(\s*|new URL\(\s*)['"`][^'"`]*\/dist\//.test(readFileSync(join(root, f), 'utf8')),
    );
    expect(byPath).toEqual([]);
  });

  it('uses the run seed and FC_RUNS (or the default count) for every property', () => {
    const runs = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 123;
    expect(fcParameters(123, { verbose: 1 })).toEqual({ verbose: 1, seed: fcSeed, numRuns: runs });
  });

  it('a failing property says how to replay it', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const replay = `replay with FC_SEED=${fcSeed} FC_RUNS=`;
      expect(() =>
        assertProperty(
          fc.property(fc.nat(), (n) => n < 0),
          5,
        ),
      ).toThrow(replay);
      await expect(
        assertAsyncProperty(
          fc.asyncProperty(fc.nat(), async (n) => n < 0),
          5,
        ),
      ).rejects.toThrow(replay);
      expect(log).toHaveBeenCalledWith(expect.stringContaining(replay));
    } finally {
      log.mockRestore();
    }
  });
});
