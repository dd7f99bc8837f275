/** A running throwaway redis-server. */
export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:<port>`. */
  url: string;
  /** Kills the server at once (SIGKILL), keeping its directory: the start of an outage. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory (killing it first if it runs). */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT); it then answers what it was sent meanwhile. */
  thaw(): void;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** How to start the server. */
export interface StartRedisOptions {
  /** Append every write to a file before answering, so a restart keeps every key (default false). */
  persist?: boolean;
}

/** Why redis-server cannot be started here, or undefined when it can. */
export function redisUnavailableReason(): string | undefined;

/** Starts redis-server (bound to 127.0.0.1) and resolves once it answers PING. */
export function startRedis(options?: StartRedisOptions): Promise<RedisServer>;
