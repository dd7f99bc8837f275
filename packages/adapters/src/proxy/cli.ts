/**
 * The `switchyard` command: `serve`, `check`, `explain` (see `switchyard --help`). The bin script
 * (`bin/switchyard.mjs`) calls {@link main}; in a `--workers` child process {@link main} sees
 * `cluster.isWorker` and serves as one worker of the primary's pool.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '@switchyard/core';
import { implementation } from '@switchyard/node';
import {
  compileGateway,
  countsText,
  formatDiagnostics,
  formatProblems,
  formatRouteTable,
} from '../gateway/config/index.js';
import { explainRequest } from '../gateway/pipeline/index.js';
import type { GatewayRequest, HeaderMap } from '../gateway/types.js';
import { runPrimary, runWorker } from './cluster.js';
import { formatExplanation } from './explain-format.js';
import { createGateway } from './gateway.js';
import type { CliIo } from './io.js';
import { applyServeV8Flags } from './v8-flags.js';

const stdio: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export type { CliIo } from './io.js';

/** `switchyard --help`. */
export const USAGE = `Usage:
  switchyard serve <gateway.yaml> [--port N] [--host H] [--workers N|auto]
      Run the gateway. Reloads on SIGHUP and when the file changes (an invalid file is
      reported and the running config kept); drains and exits 0 on SIGTERM.
      --workers N runs N processes on one port (auto: one per core); store: memory
      rate limits are then per worker, store: redis limits are shared.
  switchyard check <gateway.yaml>
      Validate and compile: prints the route table and findings (exit 0), or one
      file:line:col: message line per problem (exit 1).
  switchyard explain <gateway.yaml> <METHOD> <PATH> [-H 'name: value']... [--host H] [--client-ip IP]
      What the gateway would do with one request, and why every other route did not
      match. Consumes no rate-limit budget.
  switchyard --help
`;

/** `--workers` value: a positive integer or `auto` (one per core). */
export function parseWorkers(value: string | undefined): number {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw new InvalidArgumentError('--workers', `expected a positive integer or "auto", got ${JSON.stringify(value)}`);
  return n;
}

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError('--port', `expected an integer in [0, 65535], got ${JSON.stringify(value)}`);
  return n;
}

/** `-H 'name: value'` into a header map (lower-case names, repeated names joined like node:http does). */
export function parseHeaderArgs(values: readonly string[]): HeaderMap {
  const headers: HeaderMap = {};
  for (const h of values) {
    const colon = h.indexOf(':');
    if (colon <= 0) throw new InvalidArgumentError('-H', `expected 'name: value', got ${JSON.stringify(h)}`);
    const name = h.slice(0, colon).trim().toLowerCase();
    const value = h.slice(colon + 1).trim();
    const prev = headers[name];
    if (prev === undefined) headers[name] = value;
    else if (name === 'set-cookie') headers[name] = [...(Array.isArray(prev) ? prev : [prev]), value];
    else headers[name] = `${prev}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}

/**
 * Runs the CLI with `argv` (without node and the script). Resolves with the exit code for
 * `check`, `explain` and `--help`; `serve` resolves once listening with `undefined` (the process
 * then lives until a signal ends it).
 */
export async function main(argv: readonly string[], io: CliIo = stdio): Promise<number | undefined> {
  if (cluster.isWorker) return runWorker(io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`switchyard: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, file, ...rest] = positionals;
  if (values.help || command === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (command === undefined || file === undefined) {
    io.err(`switchyard: ${command === undefined ? 'no command' : `${command} needs a gateway.yaml`}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (command) {
      case 'check':
        return check(file, io);
      case 'explain':
        return explain(file, rest, values, io);
      case 'serve':
        return await serve(file, values, io);
      default:
        io.err(`switchyard: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof InvalidArgumentError) {
      io.err(`switchyard: ${err.message}\n`);
      return 2;
    }
    io.err(formatProblems(err));
    return 1;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      workers: { type: 'string' },
      header: { type: 'string', short: 'H', multiple: true },
      'client-ip': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function check(file: string, io: CliIo): number {
  const compiled = compileGateway(file);
  // The table's heading names the gateway and counts; the diagnostics include the per-process limits note.
  io.out(formatRouteTable(compiled));
  io.out('\n');
  io.out(formatDiagnostics(compiled.diagnostics, compiled.file));
  return 0;
}

function explain(file: string, rest: readonly string[], values: Values, io: CliIo): number {
  const [method, target, ...extra] = rest;
  if (method === undefined || target === undefined || extra.length > 0) {
    io.err(`switchyard: explain needs exactly METHOD and PATH after the file\n\n${USAGE}`);
    return 2;
  }
  const compiled = compileGateway(file);
  const headers = parseHeaderArgs(values.header ?? []);
  if (values.host !== undefined) headers.host = values.host;
  const req: GatewayRequest = {
    method: method.toUpperCase(),
    target,
    headers,
    remoteAddress: values['client-ip'] ?? '127.0.0.1',
    encrypted: false,
    httpVersion: '1.1',
  };
  const x = explainRequest({ compiled, runtime: { cursors: new Map(), inFlight: new Map() } }, req, {
    nowMs: Date.now(),
    random: Math.random,
  });
  io.out(formatExplanation(x));
  return 0;
}

async function serve(file: string, values: Values, io: CliIo): Promise<number | undefined> {
  const port = parsePort(values.port);
  const workers = parseWorkers(values.workers);
  if (workers > 1) return runPrimary({ file, port, host: values.host, workers }, io);
  // This process serves: set its V8 for a proxy (v8-flags.ts says why) before any request.
  applyServeV8Flags();
  const gateway = createGateway(file, { watch: true, signals: true, log: (line) => io.err(`${line}\n`) });
  const address = await gateway.listen(port, values.host);
  const compiled = gateway.compiled!;
  io.out(
    `switchyard: ${compiled.name} listening on ${address.url}: ${countsText(compiled.routes.length, compiled.services.size)} (implementation: ${implementation}, pid ${process.pid})\n${
      address.admin ? `switchyard: admin on ${address.admin.url} (${address.admin.paths.join(', ')})\n` : ''
    }`,
  );
  return undefined;
}
