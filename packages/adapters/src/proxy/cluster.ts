/**
 * `serve --workers N`: N processes accept on one port through node:cluster. The primary compiles
 * the config once before forking (so a bad file exits non-zero with its positions and no worker
 * starts), owns the file watch and the signals, and passes reloads and drains to every worker as
 * messages; each worker compiles and swaps for itself, exactly as a single process does.
 */
import cluster, { type Worker } from 'node:cluster';
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { implementation } from '@switchyard/node';
import { compileGateway, countsText, formatProblems } from '../gateway/config/index.js';
import { ClusterMetrics, type MetricsRequest, registriesOf, shareWorkerMetrics } from './cluster-metrics.js';
import { createGateway, reloadText } from './gateway.js';
import { type CliIo, perWorkerNote } from './io.js';
import { applyServeV8Flags } from './v8-flags.js';

/** Where a worker listens: its proxy URL, and its admin listener's URL and paths. */
type Listening = { url: string; admin: { url: string; paths: string[] } | undefined };

/** Messages between the primary and its workers. */
type ToWorker = { type: 'reload' } | { type: 'drain' };
type ToPrimary =
  | ({ type: 'listening' } & Listening)
  | { type: 'reloaded'; ok: true; text: string }
  | { type: 'reloaded'; ok: false; text: string }
  | { type: 'failed'; text: string }
  | MetricsRequest;

/** What the primary passes to its workers (through the environment). */
interface WorkerSpec {
  file: string;
  port: number | undefined;
  host: string | undefined;
}

const SPEC_ENV = 'SWITCHYARD_WORKER_SPEC';

/** Runs the primary of `serve --workers N`; resolves once every worker listens. */
export async function runPrimary(options: WorkerSpec & { workers: number }, io: CliIo): Promise<number | undefined> {
  const file = resolve(options.file);
  // Validate before forking: a bad file is reported once, with positions, and nothing starts.
  const compiled = compileGateway(file);
  await compiled.close?.();
  const spec: WorkerSpec = { file, port: options.port, host: options.host };
  let draining = false;
  const workers = new Set<Worker>();
  const metrics = new ClusterMetrics();
  const fork = () => {
    const w = cluster.fork({ [SPEC_ENV]: JSON.stringify(spec) });
    workers.add(w);
    w.on('message', (m: ToPrimary) => {
      if (m.type === 'reloaded') io.err(`${m.text}\n`);
      else if (m.type === 'failed') io.err(m.text);
      else if (m.type === 'metrics-request') metrics.answer(w, m);
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      if (draining) {
        if (workers.size === 0) process.exit(0);
        return;
      }
      io.err(`switchyard: worker ${w.process.pid} exited (${signal ?? code}); starting another\n`);
      setTimeout(fork, 500).unref();
    });
    return w;
  };
  const listening = new Promise<Listening>((resolveListening, reject) => {
    let ready = 0;
    for (let i = 0; i < options.workers; i++) {
      const w = fork();
      const onMessage = (m: ToPrimary) => {
        if (m.type === 'listening' && ++ready === options.workers) resolveListening(m);
        if (m.type === 'failed') reject(new Error(m.text));
      };
      w.on('message', onMessage);
    }
  });
  const broadcast = (m: ToWorker) => {
    for (const w of workers) if (w.isConnected()) w.send(m);
  };
  let debounce: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), (_e, name) => {
    if (name !== null && name.toString() !== basename(file)) return;
    clearTimeout(debounce);
    debounce = setTimeout(() => broadcast({ type: 'reload' }), 150);
  });
  watcher.on('error', (err) => io.err(`switchyard: watching ${file} failed: ${err.message}\n`));
  process.on('SIGHUP', () => broadcast({ type: 'reload' }));
  const drain = () => {
    if (draining) return;
    draining = true;
    watcher.close();
    io.err(`switchyard: draining ${workers.size} workers\n`);
    if (workers.size === 0) process.exit(0);
    broadcast({ type: 'drain' });
  };
  process.on('SIGTERM', drain);
  process.on('SIGINT', drain);
  let first: Listening;
  try {
    first = await listening;
  } catch (err) {
    io.err(`switchyard: a worker failed to start: ${(err as Error).message}\n`);
    draining = true;
    for (const w of workers) w.kill();
    return 1;
  }
  // One write, so a reader that waits for the listening line has the notes too.
  io.out(
    `switchyard: ${compiled.name} listening on ${first.url} with ${options.workers} workers: ${countsText(compiled.routes.length, compiled.services.size)} (implementation: ${implementation}, primary pid ${process.pid})\n${
      first.admin ? `switchyard: admin on ${first.admin.url} (${first.admin.paths.join(', ')})\n` : ''
    }${perWorkerNote(compiled, options.workers)}`,
  );
  return undefined;
}

/** Runs one worker: serves the spec the primary gave, reloads and drains on its messages. */
export async function runWorker(io: CliIo): Promise<number | undefined> {
  const raw = process.env[SPEC_ENV];
  const send = (m: ToPrimary) => process.send?.(m);
  if (raw === undefined) {
    io.err('switchyard: a cluster worker started without its spec\n');
    return 1;
  }
  const spec = JSON.parse(raw) as WorkerSpec;
  applyServeV8Flags();
  const gateway = createGateway(spec.file, { log: (line) => io.err(`${line}\n`) });
  const drain = () =>
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  // The primary decides reloads; a SIGHUP sent to the whole process group must not kill a worker.
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', drain);
  process.on('SIGINT', () => {});
  process.on('message', (m: ToWorker) => {
    if (m.type === 'drain') drain();
    else if (m.type === 'reload') {
      gateway.reload().then(
        (r) =>
          send({
            type: 'reloaded',
            ok: true,
            text: `switchyard: worker ${process.pid} reloaded: ${reloadText(r)}`,
          }),
        (err) =>
          send({
            type: 'reloaded',
            ok: false,
            text: `switchyard: worker ${process.pid} reload failed, keeping the previous config:\n${formatProblems(err).trimEnd()}`,
          }),
      );
    }
  });
  try {
    const address = await gateway.listen(spec.port, spec.host);
    // The admin port is shared by the workers: `/metrics` answers for all of them.
    if (gateway.admin?.paths.includes('/metrics')) shareWorkerMetrics(registriesOf(gateway.observers), gateway.admin);
    send({
      type: 'listening',
      url: address.url,
      admin: address.admin ? { url: address.admin.url, paths: address.admin.paths } : undefined,
    });
  } catch (err) {
    send({ type: 'failed', text: formatProblems(err) });
    return 1;
  }
  return undefined;
}
