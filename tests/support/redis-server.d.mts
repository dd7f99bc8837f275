/** A running throwaway redis-server. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Why redis-server cannot be started here, or undefined when it can. */
export function redisUnavailableReason(): string | undefined;

/** Starts redis-server (no persistence, bound to 127.0.0.1) and resolves once it answers PING. */
export function startRedis(): Promise<RedisServer>;
