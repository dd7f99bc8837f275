/**
 * The admin listener (`admin:` in gateway.yaml): `/healthz` and `/routes` (the compiled table as
 * JSON). Further endpoints (`/metrics`, with the observability work) plug in through
 * {@link AdminServer.handle} without touching this file.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CompiledGateway, KeySource } from '../gateway/types.js';

/** One admin endpoint: writes the whole response. */
export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

function keyText(key: KeySource | undefined): string | undefined {
  if (key === undefined) return undefined;
  return key.from === 'header' || key.from === 'cookie' || key.from === 'query' ? `${key.from}:${key.name}` : key.from;
}

/** The compiled table as plain JSON: what `/routes` serves. */
export function routesDocument(compiled: CompiledGateway): object {
  return {
    name: compiled.name,
    file: compiled.file ?? null,
    routes: compiled.routes.map((r) => ({
      index: r.index,
      path: r.path,
      methods: r.methods,
      host: r.host ?? null,
      version: r.version ?? null,
      service: r.service ?? null,
      split: r.split ? r.split.services.map((s, i) => ({ service: s, weight: r.split!.weights[i] })) : null,
      sticky: keyText(r.sticky) ?? null,
      limits: r.limits,
      rewrite: r.rewrite ?? null,
      timeoutMs: r.timeoutMs ?? null,
      position: r.position ?? null,
    })),
    services: [...compiled.services.values()].map((s) => ({
      name: s.name,
      targets: s.targets.map((t) => ({ id: t.id, weight: t.weight })),
      balance:
        s.balance.kind === 'consistent-hash'
          ? { kind: s.balance.kind, key: keyText(s.balance.key), algorithm: s.balance.algorithm }
          : { kind: s.balance.kind },
      timeouts: s.timeouts,
    })),
    limits: [...compiled.limits.values()].map((l) => ({
      name: l.name,
      algorithm: l.algorithm,
      key: keyText(l.key),
      store: l.store,
      limit: l.limit,
      windowMs: l.windowMs,
    })),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The admin HTTP server of one gateway. */
export class AdminServer {
  readonly server: Server;
  readonly #handlers = new Map<string, AdminHandler>();

  constructor(compiled: () => CompiledGateway, health: () => object) {
    this.#handlers.set('/healthz', (_req, res) => json(res, 200, { status: 'ok', ...health() }));
    this.#handlers.set('/routes', (_req, res) => json(res, 200, routesDocument(compiled())));
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const handler = this.#handlers.get(path);
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      if (!handler) {
        json(res, 404, { error: `no admin endpoint ${path}`, endpoints: [...this.#handlers.keys()] });
        return;
      }
      Promise.resolve()
        .then(() => handler(req, res))
        .catch(() => {
          if (!res.headersSent) json(res, 500, { error: 'admin handler failed' });
          else res.destroy();
        });
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** The paths this server answers, in the order they were added (`/healthz`, `/routes`, then `handle`'s). */
  get paths(): string[] {
    return [...this.#handlers.keys()];
  }

  /** Adds (or replaces) an endpoint, e.g. `/metrics`. */
  handle(path: string, handler: AdminHandler): void {
    this.#handlers.set(path, handler);
  }

  /** Binds the admin listener; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.removeListener('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Closes the listener and its connections (admin requests are not drained). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
