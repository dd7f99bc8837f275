// One class identity across ESM and CJS: the built packages' ES entry points re-export the
// CommonJS build (scripts/build-ts.mjs), so a class reached by `import` is the very object reached
// by `require`, and an error thrown through one is `instanceof` the other's class. Checked in a
// child process on the built packages (dist, as users load them), for every entry point.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ENTRIES = [
  '@switchyard/core',
  '@switchyard/core/internal',
  '@switchyard/node',
  '@switchyard/adapters',
  '@switchyard/adapters/gateway',
  '@switchyard/adapters/proxy',
  '@switchyard/adapters/express',
  '@switchyard/adapters/fastify',
];

function runModule(code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, SWITCHYARD_IMPLEMENTATION: '' },
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('one class identity across import and require (built packages)', () => {
  it('every export of every entry point is the same object both ways', () => {
    const r = runModule(`
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(`${root}/package.json`)});
      const out = {};
      for (const entry of ${JSON.stringify(ENTRIES)}) {
        const esm = await import(entry);
        const cjs = require(entry);
        const names = Object.keys(cjs).filter((k) => k !== '__esModule' && k !== 'default');
        out[entry] = {
          count: names.length,
          differ: names.filter((k) => esm[k] !== cjs[k]),
          missing: names.filter((k) => !(k in esm)),
          defaultSame: !('default' in cjs) || esm.default === cjs.default,
        };
      }
      console.log(JSON.stringify(out));`);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<
      string,
      { count: number; differ: string[]; missing: string[]; defaultSame: boolean }
    >;
    for (const entry of ENTRIES) {
      expect(out[entry]?.count, entry).toBeGreaterThan(0);
      expect(out[entry], entry).toMatchObject({ differ: [], missing: [], defaultSame: true });
    }
  });

  it('an error thrown through require is instanceof the imported class, and the reverse; code is kept', () => {
    const r = runModule(`
      import { createRequire } from 'node:module';
      import * as esmNode from '@switchyard/node';
      import * as esmCore from '@switchyard/core';
      const require = createRequire(${JSON.stringify(`${root}/package.json`)});
      const cjsNode = require('@switchyard/node');
      const thrown = (f) => { try { f(); } catch (e) { return e; } return null; };
      const viaCjs = thrown(() => new cjsNode.Router().add({ path: '/a/:x(' }, 1));
      const viaEsm = thrown(() => new esmNode.Router().add({ path: '/a/:x(' }, 1));
      const router = new esmNode.Router();
      router.add({ path: '/u' }, 1);
      const conflict = thrown(() => router.add({ path: '/u' }, 2));
      console.log(JSON.stringify([
        viaCjs instanceof esmNode.InvalidRouteError,
        viaCjs instanceof esmCore.SwitchyardError,
        viaEsm instanceof cjsNode.InvalidRouteError,
        conflict instanceof cjsNode.RouteConflictError,
        new esmNode.Router() instanceof cjsNode.Router,
        esmNode.Router === esmCore.Router,
        viaCjs.code,
        conflict.code,
      ]));`);
    expect(r.status, r.stderr).toBe(0);
    const [a, b, c, d, e, sameRouterAsCore, code1, code2] = JSON.parse(r.stdout) as unknown[];
    expect([a, b, c, d, e]).toEqual([true, true, true, true, true]);
    // @switchyard/node's Router is the native-backed one, not core's reference (a control: the
    // identity above is not trivially true of any two names).
    expect(sameRouterAsCore).toBe(false);
    expect([code1, code2]).toEqual(['SWITCHYARD_INVALID_ROUTE', 'SWITCHYARD_ROUTE_CONFLICT']);
  });
});
