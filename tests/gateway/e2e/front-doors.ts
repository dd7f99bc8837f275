// The front doors the end-to-end scenario suite runs against, each started from a config object
// on 127.0.0.1. The suite is written once over this interface (as the router conformance suite
// is over implementations); Express and Fastify join the list with issue 10. A scenario a door
// cannot run is listed in its `cannot` with the reason, and the suite prints it: none is skipped
// silently.
import { createGateway } from '../../../packages/adapters/src/proxy/index.js';

/** A front door serving one gateway config. */
export interface RunningDoor {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Swaps in a new config; rejects (keeping the old one) when it does not compile. */
  reload(config: object): Promise<void>;
  close(): Promise<void>;
}

/** Scenarios that need something a front door may not have. */
export type Capability = 'websocket' | 'reload' | 'h2c';

export interface FrontDoor {
  name: string;
  start(config: object): Promise<RunningDoor>;
  /** Scenarios this door cannot run, with why. */
  cannot: Partial<Record<Capability, string>>;
}

export const proxyDoor: FrontDoor = {
  name: 'proxy',
  cannot: {},
  async start(config) {
    const gateway = createGateway(config, { log: () => {} });
    const address = await gateway.listen(0, '127.0.0.1');
    return {
      url: address.url,
      reload: async (next) => {
        await gateway.reload(next);
      },
      close: () => gateway.close(),
    };
  },
};

/** Every front door the scenario suite runs against. */
export const frontDoors: FrontDoor[] = [proxyDoor];
