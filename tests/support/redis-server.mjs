// Starts a throwaway redis-server on 127.0.0.1 at a free port, or says why it cannot: the one
// starter behind the Redis tests (tests/ratelimit/redis*.test.ts) and the Redis benchmark
// (bench/ratelimit). Plain JavaScript so that the benchmarks, which run without a TS loader, can
// use it too; its types are in redis-server.d.mts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** Why redis-server cannot be started here, or undefined when it can. */
export function redisUnavailableReason() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'redis-server is not installed (apt-get install -y redis-server; .ci/run does it)';
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

function spawnServer(port, dir, persist) {
  // `persist` writes every change to an append-only file before answering, so a server killed
  // and restarted on the same directory comes back with every budget it had.
  const persistence = persist
    ? ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']
    : ['--save', '', '--appendonly', 'no'];
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence, '--dir', dir], {
    stdio: 'ignore',
  });
}

async function waitForPing(port, child) {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // refused connections while the server starts are expected
  const deadline = Date.now() + 10_000;
  try {
    for (;;) {
      try {
        await client.connect();
        await client.ping();
        return;
      } catch (error) {
        client.disconnect();
        if (Date.now() > deadline || child.exitCode !== null) {
          child.kill();
          throw new Error(`redis-server did not start on port ${port}: ${String(error)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } finally {
    client.disconnect();
  }
}

async function kill(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/**
 * Starts redis-server (bound to 127.0.0.1; no persistence unless `options.persist`) and resolves
 * once it answers PING. `kill()` stops it abruptly and `restart()` starts it again on the same
 * port and directory: an outage, as clients see one.
 */
export async function startRedis(options = {}) {
  const persist = options.persist === true;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  let child = spawnServer(port, dir, persist);
  try {
    await waitForPing(port, child);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await kill(child, 'SIGKILL');
    },
    async restart() {
      await kill(child, 'SIGKILL');
      child = spawnServer(port, dir, persist);
      await waitForPing(port, child);
    },
    freeze() {
      child.kill('SIGSTOP');
    },
    thaw() {
      child.kill('SIGCONT');
    },
    async stop() {
      // A frozen server would not act on SIGTERM.
      child.kill('SIGCONT');
      await kill(child, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
