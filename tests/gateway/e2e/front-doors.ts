// The front doors the end-to-end scenario suite runs against, each started from a config object
// on 127.0.0.1. The suite is written once over this interface (as the router conformance suite
// is over implementations): the standalone proxy, the Express middleware and the Fastify plugin.
// A scenario a door cannot run is listed in its `cannot` with the reason, and the suite prints
// it: none is skipped silently.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gateway } from '@switchyard/adapters/express';
import switchyard from '@switchyard/adapters/fastify';
import express from 'express';
import Fastify from 'fastify';
import type { GatewayObserver } from '../../../packages/adapters/src/gateway/events.js';
import { createGateway } from '../../../packages/adapters/src/proxy/index.js';
import { clientTimeouts } from '../../../packages/adapters/src/proxy/server.js';

/** A front door serving one gateway config. */
export interface RunningDoor {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Swaps in a new config; rejects (keeping the old one) when it does not compile. */
  reload(config: object): Promise<void>;
  close(): Promise<void>;
  /** The node:http server the door listens with (connection counts, for leak checks). */
  server: Server;
  /** Requests (and tunnels) the embedded gateway has in flight now. */
  inFlight(): number;
}

/**
 * What a test may give every front door besides the config: client-side deadlines of the door's
 * server (the hostile-input suite sets short ones) and the observability suite's observers.
 */
export interface DoorOptions {
  keepAliveTimeoutMs?: number;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  observe?: GatewayObserver;
}

/** Scenarios that need something a front door may not have. */
export type Capability = 'websocket' | 'reload' | 'h2c';

export interface FrontDoor {
  name: string;
  start(config: object, options?: DoorOptions): Promise<RunningDoor>;
  /** Scenarios this door cannot run, with why. */
  cannot: Partial<Record<Capability, string>>;
}

export const proxyDoor: FrontDoor = {
  name: 'proxy',
  cannot: {},
  async start(config, options = {}) {
    const gateway = createGateway(config, { log: () => {}, ...options });
    const address = await gateway.listen(0, '127.0.0.1');
    const proxy = gateway.proxy!;
    return {
      url: address.url,
      server: proxy.server,
      inFlight: () => proxy.inFlight,
      reload: async (next) => {
        await gateway.reload(next);
      },
      close: () => gateway.close(),
    };
  },
};

/** `gateway(config)` as the only middleware of an Express 5 app, upgrades attached to its server. */
export const expressDoor: FrontDoor = {
  name: 'express',
  cannot: {},
  async start(config, options = {}) {
    const app = express();
    const middleware = gateway(config, options);
    app.use(middleware);
    const server = middleware.attach(createServer(clientTimeouts(options), app));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      server,
      inFlight: () => middleware.embedded.handler.inFlight,
      reload: async (next) => {
        await middleware.reload(next);
      },
      close: async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await middleware.close();
        server.closeAllConnections();
        await closed;
      },
    };
  },
};

/** The Fastify plugin registered with `{ config }`: its catch-all route serves the gateway. */
export const fastifyDoor: FrontDoor = {
  name: 'fastify',
  cannot: {},
  async start(config, options = {}) {
    const t = clientTimeouts(options);
    // Fastify sets keepAliveTimeout and requestTimeout on its server itself; the rest goes through `http`.
    const app = Fastify({ http: t, keepAliveTimeout: t.keepAliveTimeout, requestTimeout: t.requestTimeout });
    await app.register(switchyard, { config, ...(options.observe ? { observe: options.observe } : {}) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      server: app.server,
      inFlight: () => app.switchyard.embedded.handler.inFlight,
      reload: async (next) => {
        await app.switchyard.reload(next);
      },
      close: () => app.close(),
    };
  },
};

/** Every front door the scenario suite runs against. */
export const frontDoors: FrontDoor[] = [proxyDoor, expressDoor, fastifyDoor];
