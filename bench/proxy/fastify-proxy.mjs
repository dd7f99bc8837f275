// @fastify/http-proxy in front of the upstream (its default undici transport, keep-alive).
// `node fastify-proxy.mjs PORT UPSTREAM_ORIGIN`; prints `listening <port>`.
import proxy from '@fastify/http-proxy';
import Fastify from 'fastify';

const [port, origin] = process.argv.slice(2);
const app = Fastify({ logger: false });
await app.register(proxy, { upstream: origin, prefix: '/', http2: false });
const address = await app.listen({ port: Number(port), host: '127.0.0.1' });
console.log(`listening ${new URL(address).port}`);
