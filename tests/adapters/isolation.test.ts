// Framework packages are optional peers: importing @switchyard/adapters/express must not load
// Fastify, and importing @switchyard/adapters/fastify must not load Express. Checked in child
// processes on the built package (dist, as users get it), both ways it can be loaded: `require`
// (by listing require.cache) and `import` (by a resolve hook that fails any import of the other
// framework; a control import shows the hook does catch it).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const registerDeny = fileURLToPath(new URL('./support/register-deny.mjs', import.meta.url));

function run(args: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Framework packages in require.cache after requiring `subpath`. */
function requiredFrameworks(subpath: string): string[] {
  const script = `
    require(${JSON.stringify(subpath)});
    const hits = new Set();
    for (const k of Object.keys(require.cache)) {
      const m = /[\\\\/]node_modules[\\\\/](?:\\.pnpm[\\\\/])?(fastify|express)[@\\\\/]/.exec(k);
      if (m) hits.add(m[1]);
    }
    process.stdout.write(JSON.stringify([...hits]));`;
  const r = run(['-e', script]);
  expect(r.status, r.out).toBe(0);
  return JSON.parse(r.out) as string[];
}

function importWithDenied(subpath: string, denied: string) {
  return run(['--import', registerDeny, '--input-type=module', '-e', `await import(${JSON.stringify(subpath)});`], {
    SWITCHYARD_DENY: denied,
  });
}

describe('framework isolation of the adapter subpaths', () => {
  it('require: the express adapter loads no framework, the fastify adapter no Express', () => {
    expect(requiredFrameworks('@switchyard/adapters/express')).toEqual([]);
    expect(requiredFrameworks('@switchyard/adapters/fastify')).not.toContain('express');
    expect(requiredFrameworks('@switchyard/adapters/fastify')).not.toContain('fastify');
    // Control: requiring the framework itself is seen.
    const control = run([
      '-e',
      "require('fastify'); process.stdout.write(String(Object.keys(require.cache).some((k) => /fastify/.test(k))))",
    ]);
    expect(control.out).toBe('true');
  });

  it('import: express adapter with Fastify denied, fastify adapter with Express denied', () => {
    const express = importWithDenied('@switchyard/adapters/express', 'fastify');
    expect(express.status, express.out).toBe(0);
    const fastify = importWithDenied('@switchyard/adapters/fastify', 'express');
    expect(fastify.status, fastify.out).toBe(0);
    // Neither adapter imports its own framework at runtime either (types only).
    expect(importWithDenied('@switchyard/adapters/express', 'express').status).toBe(0);
    expect(importWithDenied('@switchyard/adapters/fastify', 'fastify').status).toBe(0);
  });

  it('control: the deny hook does fail an import of the denied framework', () => {
    const r = importWithDenied('fastify', 'fastify');
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/denied: fastify loaded/);
  });
});
