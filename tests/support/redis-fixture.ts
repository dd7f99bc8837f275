import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedis } from './redis-server.mjs';

/** A suite's throwaway redis-server, its ioredis client, and key prefixes no two tests share. */
export interface RedisFixture {
  /** The server, once the suite's `beforeAll` has started it. */
  readonly server: RedisServer;
  /** A client connected to {@link RedisFixture.server}, disconnected after the suite. */
  readonly client: InstanceType<typeof Redis>;
  /** A new key prefix (`<stem><n>:`) per call, so tests on one server do not see each other's keys. */
  prefix(): string;
}

/**
 * Starts a redis-server and a client before the enclosing `describe`'s tests and stops both
 * after them; call it at the top of that `describe` (which should be skipped when
 * `redisUnavailableReason()` gives a reason). The Redis limiter suites each did this by hand.
 */
export function useRedis(stem: string): RedisFixture {
  let server: RedisServer;
  let client: InstanceType<typeof Redis>;
  let prefixes = 0;
  beforeAll(async () => {
    server = await startRedis();
    client = new Redis(server.url);
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      return server;
    },
    get client() {
      return client;
    },
    prefix: () => `${stem}${prefixes++}:`,
  };
}
