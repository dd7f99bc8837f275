// What is particular to the native Router: the crossing (shared Int32Array, UTF-16 offsets into
// the JS path, reused string buffers for long paths), error mapping, the JS static fast path, and
// the wrapper's choice of class. Semantics are covered by conformance.test.ts and differential.test.ts.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router as CoreRouter, InternalError, type RequestInfo, type RouteSpec } from '@switchyard/core';
import { implementation, Router } from '@switchyard/node';
import { describe, expect, it } from 'vitest';
import type { NativeRouterHandle } from '../../packages/node/src/binding.js';
import { nativeBinding } from '../../packages/node/src/implementation.js';
import { LAYOUT } from '../../packages/node/src/layout.js';
import { fromNativeError } from '../../packages/node/src/native-errors.js';
import { plain, plainResolution } from './suite.js';

const binding = nativeBinding;

function handle(
  out = new Int32Array(LAYOUT.routerOutputSlots),
  bytes = new Uint8Array(LAYOUT.canonicalBytesMin),
): NativeRouterHandle {
  if (!binding) throw new Error('native addon not loaded');
  return new binding.NativeRouter(true, 'strict', 256, 'decode', 'reject', 'reject', false, 'reject', out, bytes);
}

function addPath(h: NativeRouterHandle, path: string, methods: string[] | null = null): number {
  return h.add(path, methods, null, [], [], [], [], [], [], 0);
}

/** Both implementations on the same table; returns a function comparing one request. */
function twin(specs: RouteSpec[], options = {}) {
  const reference = new CoreRouter<number>(options);
  const native = new Router<number>(options);
  specs.forEach((spec, i) => {
    reference.add(spec, i);
    native.add(spec, i);
  });
  return (req: RequestInfo) => {
    const expected = plain(reference.match(req));
    expect(plain(native.match(req)), JSON.stringify(req)).toEqual(expected);
    expect(plainResolution(native.resolve(req)), `resolve ${JSON.stringify(req)}`).toEqual(
      plainResolution(reference.resolve(req)),
    );
    return expected;
  };
}

describe('native Router wrapper', () => {
  it('is the native-backed class when the addon loads, the reference class under the fallback', () => {
    expect(implementation).toBe('native');
    expect(Router).not.toBe(CoreRouter);
    expect(new Router().size).toBe(0);
    const nodePkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'node');
    const code = `const n = require('@switchyard/node'), c = require('@switchyard/core');
      console.log(n.implementation, n.Router === c.Router, new n.Router().add({ path: '/a' }, 1))`;
    const run = (value: string) =>
      spawnSync(process.execPath, ['-e', code], {
        cwd: nodePkg,
        env: { ...process.env, SWITCHYARD_IMPLEMENTATION: value },
        encoding: 'utf8',
      }).stdout.trim();
    expect(run('fallback')).toBe('fallback true 0');
    expect(run('native')).toBe('native false 0');
  });

  it('frees routers, their shared arrays and bound match functions when collected', () => {
    const nodePkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'node');
    const code = `const { Router } = require('@switchyard/node');
      let n = 0;
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 200; i++) {
          const r = new Router();
          r.add({ path: '/u/:id' }, i);
          n += r.match({ path: '/u/' + i }).params.id === String(i) ? 1 : 0;
        }
        globalThis.gc();
      }
      console.log(n);`;
    const result = spawnSync(process.execPath, ['--expose-gc', '-e', code], { cwd: nodePkg, encoding: 'utf8' });
    expect(result.stdout.trim(), result.stderr).toBe('4000');
    expect(result.status).toBe(0);
  });

  it('writes param spans into the shared array as UTF-16 offsets into the JS string', () => {
    const out = new Int32Array(LAYOUT.routerOutputSlots);
    const h = handle(out);
    addPath(h, '/😀/:a/x:b(.+)y/*');
    const path = '/😀/é%C3%A9/x🎉y/r%20s/t';
    const match = h.matcher();
    expect(match(-1, path, undefined)).toBe(0);
    expect(out[0]).toBe(3);
    const spans = [0, 1, 2].map((i) => path.slice(out[1 + 3 * i], out[2 + 3 * i]));
    expect(spans).toEqual(['é%C3%A9', '🎉', 'r%20s/t']);
    expect([out[3], out[6], out[9]]).toEqual([1, 0, 1]); // decode flags
    // A miss leaves the route id at -1.
    expect(match(-1, '/nope', undefined)).toBe(-1);
  });

  it('refuses shared arrays that are too small, with a typed error', () => {
    const refused = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        return fromNativeError(error);
      }
      return null;
    };
    expect(refused(() => handle(new Int32Array(4)))).toBeInstanceOf(InternalError);
    // `resolve` needs the slots after the params region.
    expect(refused(() => handle(new Int32Array(LAYOUT.routerParamSlots)))).toBeInstanceOf(InternalError);
    expect(refused(() => handle(undefined, new Uint8Array(16)))).toBeInstanceOf(InternalError);
    const h = handle();
    expect(refused(() => h.shareCanonicalBytes(new Uint8Array(16)))).toBeInstanceOf(InternalError);
    expect(refused(() => h.shareCanonicalBytes(new Uint8Array(LAYOUT.canonicalBytesMin * 2)))).toBe(null);
  });

  it('maps a conversion error from the binding to InternalError', () => {
    const h = handle();
    let caught: unknown;
    try {
      h.add(42 as unknown as string, null, null, [], [], [], [], [], [], 0);
    } catch (error) {
      caught = fromNativeError(error);
    }
    expect(caught).toBeInstanceOf(InternalError);
    expect(addPath(h, '/still/works')).toBe(0);
  });

  it('reads 100 KB paths through the reused buffer, growing it, and back to short ones', () => {
    const check = twin([{ path: '/f/*' }, { path: '/p/:id' }, { path: '/é/:name.:ext' }]);
    const long = 'x'.repeat(100_000);
    expect(check({ path: `/f/${long}` })?.params).toEqual([['*', long]]);
    expect(check({ path: `/f/${'é'.repeat(50_000)}😀` })?.route).toBe(0);
    expect(check({ path: `/p/${long}` })).toBe(null); // longer than maxParamLength: no route
    expect(check({ path: `/é/${'ü'.repeat(100)}.${'😀'.repeat(20)}` })?.route).toBe(2);
    expect(check({ path: '/p/1' })?.params).toEqual([['id', '1']]);
  });

  it('takes a 100 KB host of many labels in time linear in its length', () => {
    const check = twin([
      { path: '/h', host: '*.example.com' },
      { path: '/h', host: '*.a.example.com' },
      { path: '/h' },
    ]);
    expect(check({ path: '/h', host: `${'a.'.repeat(50_000)}example.com` })?.route).toBe(1);
    expect(check({ path: '/h', host: `${'b.'.repeat(50_000)}example.com:8080` })?.route).toBe(0);
    expect(check({ path: '/h', host: `${'é.'.repeat(30_000)}com` })?.route).toBe(2);
  });

  it('gives lone surrogates as U+FFFD, like the reference', () => {
    const check = twin([{ path: '/p/:id' }, { path: '/w/*' }]);
    expect(check({ path: '/p/a\ud800b' })?.params).toEqual([['id', 'a\ufffdb']]);
    expect(check({ path: '/w/\udc00/%41' })?.params).toEqual([['*', '\ufffd/A']]);
  });

  it('treats prototype names as ordinary methods and a missing host as no host', () => {
    const check = twin([
      { path: '/a', method: 'GET' },
      { path: '/a' },
      { path: '/a', host: 'api.example.com', method: 'GET' },
      { path: '/h/:x', host: '*.example.com' },
    ]);
    for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'ß', '']) {
      expect(check({ path: '/a', method })?.route).toBe(1);
    }
    expect(check({ path: '/a', method: 'get' })?.route).toBe(0);
    expect(check({ path: '/a', method: 'GET', host: 'API.example.com:443' })?.route).toBe(2);
    expect(check({ path: '/h/1' })).toBe(null);
    expect(check({ path: '/h/1', host: 'x.example.com' })?.route).toBe(3);
  });

  it('answers static paths from JS only when nothing but the method can decide', () => {
    const specs: RouteSpec[] = [
      { path: '/s', method: 'GET' },
      { path: '/s', method: 'POST', headers: { 'x-v': '1' } },
      { path: '/s', method: 'POST', priority: -1 },
      { path: '/:x' },
      { path: '/s', query: { k: true } },
      { path: '/t/' },
      // A static path that is not its own canonical form: `resolve` must not answer it from JS.
      { path: '/caf%C3%A9 x', method: 'GET' },
    ];
    const requests: RequestInfo[] = [
      { path: '/café x', method: 'GET' },
      { path: '/s', method: 'GET' },
      { path: '/s', method: 'POST' },
      { path: '/s', method: 'POST', headers: { 'x-v': '1' } },
      { path: '/s?k' },
      { path: '/s' },
      { path: '/S', method: 'GET' },
      { path: '/t/' },
      { path: '/t' },
    ];
    for (const options of [{}, { caseSensitive: false }, { trailingSlash: 'ignore' as const }]) {
      const check = twin(specs, options);
      for (const req of requests) check(req);
    }
    // Adding a host route later turns the fast path off without changing answers.
    const reference = new CoreRouter<number>();
    const native = new Router<number>();
    for (const [i, spec] of [...specs, { path: '/s', host: 'h.example', method: 'GET' }].entries()) {
      reference.add(spec, i);
      native.add(spec, i);
      for (const req of [...requests, { ...requests[0], host: 'h.example' } as RequestInfo]) {
        expect(plain(native.match(req)), `${i} ${JSON.stringify(req)}`).toEqual(plain(reference.match(req)));
      }
    }
  });

  it('resolves through the shared arrays: outcome, Allow ids (many), canonical path', () => {
    // More distinct methods than the params region holds: the wrapper asks for the names.
    const methods = Array.from({ length: LAYOUT.routerParamSlots + 10 }, (_, i) => `M${i}`);
    const check = twin([
      { path: '/m', method: methods },
      { path: '/m', method: 'GET', host: 'h.example' },
    ]);
    const native = new Router<number>();
    native.add({ path: '/m', method: methods }, 0);
    const r = native.resolve({ path: '/m', method: 'GET' });
    expect(r.outcome === 'method-not-allowed' && r.allow.length).toBe(methods.length);
    expect(r.outcome === 'method-not-allowed' && r.allow).toEqual([...methods].sort());
    check({ path: '/m', method: 'PATCH', host: 'h.example' });
  });

  it('passes only the headers constraints name, read as the reference reads them', () => {
    const check = twin([
      { path: '/a', headers: { 'X-Token': true, accept: { pattern: 'text/.*' } } },
      { path: '/a', headers: { 'x-token': false } },
    ]);
    expect(check({ path: '/a', headers: { 'x-token': 't', accept: ['text/html', 'x'] } })?.route).toBe(0);
    expect(check({ path: '/a', headers: { 'x-token': ['t', 1] as unknown as string[] } })?.route).toBe(1);
    const inherited = Object.create({ 'x-token': 't' });
    expect(check({ path: '/a', headers: inherited })?.route).toBe(1);
  });

  it('passes header values as arguments up to the bound limit and as an array beyond it', () => {
    // One route per header slot, each needing its own header; the last slot decides the route.
    for (const slots of [1, LAYOUT.routerHeaderArgs, LAYOUT.routerHeaderArgs + 1, LAYOUT.routerHeaderArgs + 3]) {
      const names = Array.from({ length: slots }, (_, i) => `x-h${i}`);
      const check = twin([
        ...names.map((name, i) => ({ path: '/v/:id', method: 'GET', headers: { [name]: `v${i}` }, priority: i })),
        { path: '/v/:id', method: 'GET' },
      ]);
      for (const [i, name] of names.entries()) {
        expect(check({ method: 'GET', path: '/v/1', headers: { [name]: `v${i}` } })?.route).toBe(i);
        expect(check({ method: 'GET', path: '/v/1', headers: { [name]: 'other' } })?.route).toBe(slots);
      }
      const all = Object.fromEntries(names.map((name, i) => [name, `v${i}`]));
      expect(check({ method: 'GET', path: '/v/2', headers: all })?.route).toBe(slots - 1);
      expect(check({ method: 'GET', path: '/v/2' })?.route).toBe(slots);
      expect(check({ method: 'POST', path: '/v/2', headers: all })).toBeNull();
    }
  });

  it('refuses the bound call with header arguments for a table with more header slots than it takes', () => {
    const h = handle();
    const names = Array.from({ length: LAYOUT.routerHeaderArgs + 1 }, (_, i) => `x-h${i}`);
    h.add(
      '/a',
      null,
      null,
      names,
      names.map(() => LAYOUT.constraintPresent),
      names.map(() => ''),
      [],
      [],
      [],
      0,
    );
    const match = h.matcherWithHeaders();
    const x = 'x';
    let caught: unknown;
    try {
      match(-1, '/a', undefined, x, x, x, x, x, x, x, x);
    } catch (error) {
      caught = fromNativeError(error);
    }
    expect(caught).toBeInstanceOf(InternalError);
  });

  it('keeps explain and check in step with the routes added since the last call', () => {
    const router = new Router<string>();
    router.add({ path: '/a/:id' }, 'first');
    expect(router.explain({ path: '/a/1' }).winner).toBe(0);
    router.add({ path: '/a/:id', priority: 1 }, 'second');
    expect(router.explain({ path: '/a/1' }).winner).toBe(1);
    expect(router.check().map((d) => [d.kind, d.route, d.by])).toEqual([['unreachable', 0, 1]]);
  });
});
