/**
 * The upstream connection pools of one gateway process: one undici `Pool` per target origin (and
 * connect timeout, which undici fixes per pool), kept alive across requests and across reloads
 * while some compiled state still names the origin.
 */
import { Pool } from 'undici';
import type { UpstreamConnections } from '../gateway/events.js';

/** Options every pool is created with. */
export interface UpstreamPoolOptions {
  /** Idle keep-alive sockets are closed after this long (ms). */
  keepAliveTimeoutMs: number;
  /** Cap on sockets per origin; `undefined` = no cap (undici's default). */
  connections: number | undefined;
}

const DEFAULTS: UpstreamPoolOptions = { keepAliveTimeoutMs: 4_000, connections: undefined };

/** Pools by `origin` + connect timeout; created on first use, closed when no state needs them. */
export class Upstreams {
  readonly #pools = new Map<string, Pool>();
  readonly #options: UpstreamPoolOptions;
  #closed = false;
  /** The same pools as `#pools`, by origin then connect timeout. */
  readonly #byOrigin = new Map<string, Map<number, Pool>>();

  constructor(options: Partial<UpstreamPoolOptions> = {}) {
    this.#options = { ...DEFAULTS, ...options };
  }

  /** The pool for `origin` whose connections time out after `connectMs` (0 = undici's default). */
  pool(origin: string, connectMs: number): Pool {
    // Asked on every forwarded request: looked up by the target's own origin string (whose hash
    // V8 keeps) rather than by a key string built and hashed per request.
    const found = this.#byOrigin.get(origin)?.get(connectMs);
    if (found !== undefined && !this.#closed) return found;
    const key = poolKey(origin, connectMs);
    let pool = this.#pools.get(key);
    if (pool === undefined || this.#closed) {
      pool = new Pool(origin, {
        connections: this.#options.connections ?? null,
        keepAliveTimeout: this.#options.keepAliveTimeoutMs,
        // The gateway enforces its own whole-request deadline; undici's 300 s body timeout would
        // otherwise cut long-lived streams (SSE, long downloads) that the config allows.
        bodyTimeout: 0,
        headersTimeout: 0,
        connect: connectMs > 0 ? { timeout: connectMs } : {},
      });
      if (!this.#closed) {
        this.#pools.set(key, pool);
        const byTimeout = this.#byOrigin.get(origin) ?? new Map<number, Pool>();
        this.#byOrigin.set(origin, byTimeout);
        byTimeout.set(connectMs, pool);
      }
    }
    return pool;
  }

  /**
   * Connections and requests per origin now, summed over its pools (one per connect timeout):
   * read by `/metrics` at scrape time, so requests pay nothing for it.
   */
  stats(): UpstreamConnections[] {
    const byOrigin = new Map<string, UpstreamConnections>();
    for (const [key, pool] of this.#pools) {
      const origin = key.slice(0, key.lastIndexOf('#'));
      const s = pool.stats;
      const entry = byOrigin.get(origin) ?? { origin, connected: 0, running: 0, pending: 0 };
      entry.connected += s.connected;
      entry.running += s.running;
      entry.pending += s.pending;
      byOrigin.set(origin, entry);
    }
    return [...byOrigin.values()];
  }

  /**
   * Closes the pools whose key is not in `keep` (after their queued requests finish): called
   * after a reload with the origins the new state can reach. A request still on the old state
   * that asks for a dropped origin gets a fresh pool.
   */
  retain(keep: ReadonlySet<string>): void {
    for (const [key, pool] of this.#pools) {
      if (keep.has(key)) continue;
      this.#pools.delete(key);
      for (const byTimeout of this.#byOrigin.values())
        for (const [ms, p] of byTimeout) if (p === pool) byTimeout.delete(ms);
      pool.close().catch(() => pool.destroy().catch(() => {}));
    }
  }

  /** Closes every pool gracefully (in-flight requests finish), or forcibly when `force`. */
  async close(force = false): Promise<void> {
    this.#closed = true;
    this.#byOrigin.clear();
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => (force ? p.destroy() : p.close()).catch(() => p.destroy().catch(() => {}))));
  }
}

/** Key of the pool for an origin and connect timeout, as {@link Upstreams.retain} expects it. */
export function poolKey(origin: string, connectMs: number): string {
  return `${origin}#${connectMs}`;
}
