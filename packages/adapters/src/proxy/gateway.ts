/**
 * `createGateway(configOrPath)`: the standalone proxy as a library. Compiles the config, serves
 * it with {@link ProxyServer}, reloads it (programmatically, on SIGHUP or on file change, all
 * through one path: compile first, keep the old state on error, swap whole on success) and drains.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InvalidArgumentError } from '@switchyard/core';
import { type CompileOptions, compileGateway, countsText, formatProblems } from '../gateway/config/index.js';
import type { GatewayObserver, ObservedGateway } from '../gateway/events.js';
import { afterAttempt, decide, planResponseHeaders, pruneIdleFlights, release } from '../gateway/pipeline/index.js';
import { ResilienceRuntime } from '../gateway/resilience/index.js';
import type { CompiledGateway, GatewayRuntime, GatewayState } from '../gateway/types.js';
import { observabilityOf } from '../observe/config.js';
import { AdminServer } from './admin.js';
import { HealthChecker } from './health-checks.js';
import { type DecisionEngine, ProxyServer } from './server.js';
import { poolKey } from './upstreams.js';

/** The pipeline of `src/gateway/`, as the proxy calls it. */
export const pipelineEngine: DecisionEngine = {
  decide,
  responseHeaders: (upstream, decision, status) => planResponseHeaders(upstream, decision, { status }),
  release,
  attempted: afterAttempt,
};

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Where reloads, their failures and startup lines go (default: stderr). */
  log?: (line: string) => void;
  /** Reload when the config file changes (only when a path was given; default false, `serve` turns it on). */
  watch?: boolean;
  /** Reload on SIGHUP and drain then exit 0 on SIGTERM/SIGINT (default false, `serve` turns it on). */
  signals?: boolean;
  /** Quiet period after the last file change before reloading (default 150 ms: editors write in steps). */
  watchDebounceMs?: number;
  /** How long a drain waits for in-flight requests (default 30 s). */
  drainTimeoutMs?: number;
  /** Idle time before a client keep-alive connection is closed (default: `listen.client_timeouts.keep_alive_ms`, 5 s); listening only. */
  keepAliveTimeoutMs?: number;
  /** Deadline for a client's request head (default: `listen.client_timeouts.headers_ms`, 20 s; slowloris bound, answered 408); listening only. */
  headersTimeoutMs?: number;
  /** Deadline for a client's whole request, body included (default: `listen.client_timeouts.request_ms`, 300 s, `0` off); listening only. */
  requestTimeoutMs?: number;
  /** Passed to `compileGateway` (a Redis client factory for `store: redis`, ...). */
  compile?: Omit<CompileOptions, 'previous'>;
  /**
   * Observers to attach (access logs, metrics, traces: `observe()` of
   * `@switchyard/adapters/observe`), besides what the config's `observability:` turns on. An
   * observer with endpoints (`/metrics`) gets them on the admin listener.
   */
  observe?: GatewayObserver | readonly GatewayObserver[];
}

/** Where a gateway listens. */
export interface GatewayAddress {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  /** The admin listener, when `admin:` is configured. */
  admin: { host: string; port: number; url: string; paths: string[] } | undefined;
}

/** Outcome of one reload. */
export interface ReloadResult {
  routes: number;
  services: number;
  /** Policies whose limiter (and budgets) carried over from the previous state. */
  carriedLimits: string[];
  /**
   * Blocks of the new config that changed but are read only when the gateway starts (`listen`,
   * `admin`, `observability`): the running gateway keeps the old ones until it is restarted.
   */
  needsRestart: string[];
}

/** What a reload log line says after `reloaded`: the counts, the limits carried, what waits for a restart. */
export function reloadText(r: ReloadResult): string {
  const carried = r.carriedLimits.length > 0 ? `; limits carried over: ${r.carriedLimits.join(', ')}` : '';
  const restart = r.needsRestart.length > 0 ? `; changed, applied on restart only: ${r.needsRestart.join(', ')}` : '';
  return `${countsText(r.routes, r.services)}${carried}${restart}`;
}

/** The blocks read only at start whose settings differ between two compiled configs. */
function startOnlyChanges(previous: CompiledGateway, next: CompiledGateway): string[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed: string[] = [];
  if (!same(previous.listen, next.listen)) changed.push('listen');
  if (!same(previous.admin, next.admin)) changed.push('admin');
  if (!same(previous.observability, next.observability)) changed.push('observability');
  return changed;
}

/** A running (or ready to run) standalone gateway; see {@link createGateway}. */
export interface Gateway {
  /** Compiles the config (if not yet) and listens; port and host default to `listen:` of the config. */
  listen(port?: number, host?: string): Promise<GatewayAddress>;
  /**
   * Compiles `configOrPath` (default: the path the gateway was created with) and swaps it in.
   * Rejects with the `ConfigError` (and keeps the old state) when it does not compile.
   */
  reload(configOrPath?: string | object): Promise<ReloadResult>;
  /**
   * Compiles the config (if not yet) and returns the request handler without binding a port, for
   * front doors that own their server (Express, Fastify): they hand it their requests through
   * {@link ProxyServer.handle}. Reloads, pools and drains work as for {@link Gateway.listen}; a
   * gateway is either embedded or listening, never both.
   */
  embed(): ProxyServer;
  /** Stops accepting, lets in-flight requests finish, closes pools, watchers and listeners. */
  close(): Promise<void>;
  /** The compiled state new requests are decided on (`undefined` before the first compile). */
  readonly compiled: CompiledGateway | undefined;
  /** The HTTP server, once listening (for tests and embedding). */
  readonly proxy: ProxyServer | undefined;
  /** The admin server, once listening with `admin:` configured (add `/metrics` here). */
  readonly admin: AdminServer | undefined;
  /** The observers attached: those of the `observe` option, then the config's `observability:` once compiled. */
  readonly observers: readonly GatewayObserver[];
  /**
   * Breakers, health and retry budgets of every target, kept across reloads: subscribe with
   * `resilience.onStateChange(listener)`, list with `resilience.targets(Date.now())`.
   */
  readonly resilience: ResilienceRuntime;
}

function freshRuntime(): GatewayRuntime {
  return { cursors: new Map(), inFlight: new Map(), resilience: new ResilienceRuntime() };
}

/** Pool keys (origin + connect timeout) the state can send to: what to keep open after a swap. */
function poolKeys(compiled: CompiledGateway): Set<string> {
  const keys = new Set<string>();
  for (const s of compiled.services.values())
    for (const t of s.targets) keys.add(poolKey(t.origin, s.timeouts.connectMs));
  return keys;
}

/**
 * Creates the standalone gateway for a config file path (YAML or JSON) or a config object. Nothing
 * is compiled or bound until {@link Gateway.listen}; a config that does not compile makes `listen`
 * reject with the `ConfigError` that lists every problem.
 */
export function createGateway(configOrPath: string | object, options: GatewayOptions = {}): Gateway {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const source = typeof configOrPath === 'string' ? resolve(configOrPath) : configOrPath;
  let compiled: CompiledGateway | undefined;
  const runtime: GatewayRuntime = freshRuntime();
  const resilience = runtime.resilience!;
  let health: HealthChecker | undefined;
  let proxy: ProxyServer | undefined;
  let admin: AdminServer | undefined;
  let watcher: FSWatcher | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let reloading: Promise<ReloadResult> | undefined;
  let closing: Promise<void> | undefined;
  const signalHandlers: [NodeJS.Signals, () => void][] = [];
  const observers: GatewayObserver[] =
    options.observe === undefined
      ? []
      : Array.isArray(options.observe)
        ? [...options.observe]
        : [options.observe as GatewayObserver];
  const detach: (() => void)[] = [];
  let fromConfig: (GatewayObserver & { close(): Promise<void> }) | undefined;

  const compile = (from: string | object, previous: CompiledGateway | undefined) =>
    compileGateway(from, { ...options.compile, previous });

  const doReload = async (from: string | object): Promise<ReloadResult> => {
    const previous = compiled;
    const next = compile(from, previous);
    const carried = previous
      ? [...next.limits.values()].filter((p) => previous.limits.get(p.name)?.local === p.local).map((p) => p.name)
      : [];
    compiled = next;
    // Zero counts of targets the new config may no longer have (a zero is the same as none).
    pruneIdleFlights(runtime);
    if (proxy) {
      // Balancer cursors and in-flight counts are per service and target, not per config: they
      // carry over so least-requests still sees requests that started on the old state.
      const state: GatewayState = { compiled: next, runtime };
      resilience.adopt(next);
      const swapped = proxy.swap(state);
      health?.update(next);
      const old = await swapped.then(
        (o) => o,
        () => undefined,
      );
      proxy.upstreams.retain(poolKeys(next));
      if (old && old.compiled !== next) await old.compiled.close?.().catch(() => {});
    } else if (previous && previous !== next) {
      // Not serving yet: nothing can be using the previous state.
      await previous.close?.().catch(() => {});
    }
    return {
      routes: next.routes.length,
      services: next.services.size,
      carriedLimits: carried,
      needsRestart: proxy && previous ? startOnlyChanges(previous, next) : [],
    };
  };

  /** Serializes reloads: two SIGHUPs in a row compile one after the other, never interleaved. */
  const reload = (from?: string | object): Promise<ReloadResult> => {
    const target = from ?? source;
    const run = (reloading ?? Promise.resolve()).catch(() => undefined).then(() => doReload(target));
    reloading = run;
    return run;
  };

  /** A reload asked for by a signal or a file change: failures are logged, never thrown. */
  const reloadLogged = (why: string) => {
    if (closing) return;
    reload().then(
      (r) => log(`switchyard: reloaded (${why}): ${reloadText(r)}`),
      (err) =>
        log(`switchyard: reload (${why}) failed, keeping the previous config:\n${formatProblems(err).trimEnd()}`),
    );
  };

  /** Compiles (if not yet) and builds the request handler, unbound. */
  const start = (): ProxyServer => {
    if (!compiled) compiled = compile(source, undefined);
    resilience.adopt(compiled);
    const server = new ProxyServer({
      engine: pipelineEngine,
      state: { compiled, runtime },
      drainTimeoutMs: options.drainTimeoutMs,
      keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? compiled.listen.clientTimeouts?.keepAliveMs,
      headersTimeoutMs: options.headersTimeoutMs ?? compiled.listen.clientTimeouts?.headersMs,
      requestTimeoutMs: options.requestTimeoutMs ?? compiled.listen.clientTimeouts?.requestMs,
    });
    proxy = server;
    health = new HealthChecker(server.upstreams, () => server.state);
    health.update(compiled);
    // What `observability:` turns on is read once, here: a reload does not change it (docs say so).
    fromConfig = observabilityOf(compiled);
    const events = server.events;
    // Breaker and health changes reach the gateway's subscribers as `target-state` events.
    resilience.onStateChange((change) => {
      if (events.active) events.emit({ type: 'target-state', ...change });
    });
    const observed: ObservedGateway = {
      events,
      state: () => server.state,
      upstreams: () => server.upstreams.stats(),
      targets: () => resilience.targets(Date.now()),
    };
    for (const o of fromConfig ? [...observers, fromConfig] : observers) detach.push(o.attach(observed));
    return server;
  };

  const gateway: Gateway = {
    get compiled() {
      return compiled;
    },
    get proxy() {
      return proxy;
    },
    get admin() {
      return admin;
    },
    get observers() {
      return fromConfig ? [...observers, fromConfig] : [...observers];
    },
    resilience,

    embed(): ProxyServer {
      if (proxy)
        throw new InvalidArgumentError('embed', 'this gateway is already listening or embedded; create another');
      return start();
    },

    async listen(port?: number, host?: string): Promise<GatewayAddress> {
      if (proxy)
        throw new InvalidArgumentError('listen', 'this gateway is already listening; create another for a second port');
      proxy = start();
      if (!compiled) throw new InvalidArgumentError('listen', 'the gateway has no compiled config');
      const bound = await proxy.listen(port ?? compiled.listen.port, host ?? compiled.listen.host);
      let adminAddress: GatewayAddress['admin'];
      if (compiled.admin) {
        admin = new AdminServer(
          () => compiled!,
          () => ({ name: compiled?.name, inFlight: proxy?.inFlight ?? 0, pid: process.pid }),
        );
        for (const o of fromConfig ? [...observers, fromConfig] : observers)
          for (const [path, handler] of Object.entries(o.endpoints ?? {})) admin.handle(path, handler);
        const a = await admin.listen(compiled.admin.port, compiled.admin.host);
        adminAddress = {
          host: a.address,
          port: a.port,
          url: `http://${hostText(a.address)}:${a.port}`,
          paths: admin.paths,
        };
      }
      if (options.watch && typeof source === 'string') {
        const file = basename(source);
        // The directory, not the file: editors replace files by rename, which ends a watch on the old inode.
        watcher = watch(dirname(source), (_event, name) => {
          if (name !== null && name.toString() !== file) return;
          clearTimeout(debounce);
          debounce = setTimeout(() => reloadLogged('file changed'), options.watchDebounceMs ?? 150);
        });
        watcher.on('error', (err) => log(`switchyard: watching ${source} failed: ${err.message}`));
      }
      if (options.signals) {
        const onHup = () => reloadLogged('SIGHUP');
        const onTerm = () => {
          log('switchyard: draining (finishing requests in flight)');
          gateway.close().then(
            () => process.exit(0),
            () => process.exit(1),
          );
        };
        signalHandlers.push(['SIGHUP', onHup], ['SIGTERM', onTerm], ['SIGINT', onTerm]);
        for (const [sig, fn] of signalHandlers) process.on(sig, fn);
      }
      return {
        host: bound.address,
        port: bound.port,
        url: `http://${hostText(bound.address)}:${bound.port}`,
        admin: adminAddress,
      };
    },

    reload,

    close(): Promise<void> {
      closing ??= (async () => {
        clearTimeout(debounce);
        watcher?.close();
        for (const [sig, fn] of signalHandlers) process.removeListener(sig, fn);
        await reloading?.catch(() => undefined);
        health?.close();
        await Promise.all([proxy?.close(), admin?.close()]);
        for (const d of detach.splice(0)) d();
        await fromConfig?.close().catch(() => {});
        await compiled?.close?.().catch(() => {});
      })();
      return closing;
    },
  };
  return gateway;
}

function hostText(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}
