// The access log's own serializer and destination. Lines are built without pino's generic object
// walk (accessLineJson) and encoded once into slabs that sonic-boom writes in batches (inside
// accessLogger): the line must be what pino writes for accessLine()'s fields, and the batching
// must keep every line, in order, through close() and through a process.exit().
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  GatewayEvents,
  type RequestFinishedEvent,
  type RequestOutcome,
} from '../../packages/adapters/src/gateway/events.js';
import { decide } from '../../packages/adapters/src/gateway/pipeline/index.js';
import type { GatewayState } from '../../packages/adapters/src/gateway/types.js';
import { accessLine, accessLineJson, accessLogger } from '../../packages/adapters/src/observe/logs.js';
import { freshState, inputs, request } from '../gateway/support/build.js';
import { assertProperty } from '../support/fast-check.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function state(): GatewayState {
  return freshState({
    name: 'logs',
    trustProxies: ['10.0.0.0/8'],
    versioning: { header: 'x-api-version', default: 'v1' },
    services: { users: { targets: ['http://127.0.0.1:9001'] } },
    limits: { one: { algorithm: 'token-bucket', capacity: 1, refillPerSecond: 0.001, key: 'header:x-client' } },
    routes: [
      { path: '/users/:id', methods: ['GET'], service: 'users', version: 'v1' },
      { path: '/limited', service: 'users', limits: ['one'] },
    ],
  } as Parameters<typeof freshState>[0]);
}

let written = '';
/** The access log's own pino logger (the options the serializer stands in for), into `written`. */
const { logger } = accessLogger({ destination: { write: (s: string) => (written += s) } });

/** What pino writes for accessLine()'s fields, parsed, with its time replaced by `timeMs`. */
function pinoLine(
  event: RequestFinishedEvent,
  breaker: 'closed' | 'open' | undefined,
  budget: boolean,
  timeMs: number,
) {
  written = '';
  logger.info(accessLine(event, breaker, budget), 'request');
  const line = JSON.parse(written) as Record<string, unknown>;
  expect(typeof line.time).toBe('number');
  return { ...line, time: timeMs };
}

const text = fc.string({ unit: 'binary', maxLength: 24 });

describe('accessLineJson', () => {
  it('writes what pino writes for accessLine(), in ASCII, for any request, decision and outcome', () => {
    const s = state();
    const events = new GatewayEvents();
    assertProperty(
      fc.property(
        fc.constantFrom('/users/42', '/limited', '/nowhere', '/users/%2e%2e/x', '/a"b\\c'),
        fc.constantFrom('GET', 'POST', 'BREW'),
        fc.record({
          id: fc.option(text),
          version: fc.option(text),
          xff: fc.option(fc.constant('10.1.2.3, 203.0.113.9')),
        }),
        fc.constantFrom<RequestOutcome>('completed', 'responded', 'client-aborted', 'upstream-failed', 'failed'),
        fc.tuple(
          fc.integer({ min: 0, max: 599 }),
          fc.integer({ min: 0, max: 3 }),
          fc.double({ min: 0, max: 100, noNaN: true }),
        ),
        fc.option(text),
        fc.constantFrom(undefined, 'closed', 'open'),
        fc.boolean(),
        fc.boolean(),
        (path, method, h, outcome, [status, attempts, seconds], error, breaker, budget, decided) => {
          const headers: Record<string, string> = { host: 'api.example.com', 'x-client': 'c' };
          if (h.id !== null) headers['x-request-id'] = h.id;
          if (h.version !== null) headers['x-api-version'] = h.version;
          if (h.xff !== null) headers['x-forwarded-for'] = h.xff;
          const req = request({ method, target: path, headers, remoteAddress: '10.0.0.7' });
          const d = decide(req, s, inputs());
          if (d instanceof Promise) throw new Error('expected a synchronous decision');
          const event: RequestFinishedEvent = {
            type: 'request-finished',
            request: events.start(req, false, s, 0n),
            decision: decided ? d : undefined,
            outcome,
            status,
            error: error ?? undefined,
            attempts,
            durationSeconds: seconds,
          };
          const line = accessLineJson(event, breaker, budget, 1_700_000_000_123);
          expect(line.endsWith('}\n')).toBe(true);
          expect(line.indexOf('\n')).toBe(line.length - 1);
          // ASCII only: the slab copies it rather than encoding it.
          expect(line).toMatch(/^[\x20-\x7e]*\n$/);
          expect(JSON.parse(line)).toStrictEqual(pinoLine(event, breaker, budget, 1_700_000_000_123));
        },
      ),
      300,
    );
  });
});

describe('the access log destination', () => {
  it('keeps access lines and logger lines in order and writes them all by close()', async () => {
    const file = join(dir, 'order.log');
    const log = accessLogger({ destination: file });
    for (let i = 0; i < 2000; i++) {
      if (i % 100 === 0) log.logger.warn({ i }, 'between');
      log.lines!.write(`{"i":${i}}\n`);
      // Some lines in later turns of the event loop, some many in one turn.
      if (i % 700 === 0) await new Promise((r) => setImmediate(r));
    }
    await log.close();
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { i: number; msg?: string });
    expect(lines).toHaveLength(2020);
    const access = lines.filter((l) => l.msg === undefined).map((l) => l.i);
    expect(access).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    // Each logger line sits right before the access line of the same i.
    lines.forEach((l, at) => {
      if (l.msg === 'between') expect(lines[at + 1]).toEqual({ i: l.i });
    });
  });

  it('writes the pending lines of a process that exits', () => {
    const file = join(dir, 'exit.log');
    const logs = join(process.cwd(), 'packages/adapters/dist/cjs/observe/logs.js');
    const script = `const { accessLogger } = require(${JSON.stringify(logs)});
      const log = accessLogger({ destination: ${JSON.stringify(file)} });
      for (let i = 0; i < 50; i++) log.lines.write('{"i":' + i + '}\\n');
      process.exit(0);`;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(50);
  });

  it('writes no access line while the logger is above info', async () => {
    const lines: string[] = [];
    const { observe } = await import('../../packages/adapters/src/observe/index.js');
    const obs = observe({ accessLog: { destination: { write: (l: string) => lines.push(l) } } });
    obs.logger!.level = 'warn';
    const s = state();
    const events = new GatewayEvents();
    obs.attach({ events, state: () => s, upstreams: () => [], targets: () => [] });
    const req = request({ target: '/nowhere' });
    const observed = events.start(req, false, s, process.hrtime.bigint());
    const d = decide(req, s, inputs());
    if (d instanceof Promise) throw new Error('expected a synchronous decision');
    events.finished(observed, d, 'responded', 404, undefined, 0);
    expect(lines).toEqual([]);
    obs.logger!.level = 'info';
    events.finished(observed, d, 'responded', 404, undefined, 0);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, status: 404, reason: 'no-route', msg: 'request' });
  });
});
