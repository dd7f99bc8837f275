// The undici floor (undici-floor.mjs) plus the header work the gateway contract asks of every
// forwarded request, with fixed values: X-Forwarded-For/-Proto/-Host, Forwarded, Via, a fresh
// X-Request-ID and traceparent upstream; X-Request-ID and the three X-RateLimit-* fields back.
// No routing, no limit, no hashing: it tells apart what the contract's bytes cost a Node proxy
// from what Switchyard's decision costs. `node undici-floor-contract.mjs PORT UPSTREAM_ORIGIN`.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = process.argv.slice(2);
const pool = new Pool(origin, { keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);
let seq = 0;
const server = createServer((req, res) => {
  const headers = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  const host = req.headers.host ?? '';
  const id = (seq++).toString(16).padStart(32, '0');
  headers.push(
    'x-forwarded-for',
    req.socket.remoteAddress,
    'x-forwarded-proto',
    'http',
    'x-forwarded-host',
    host,
    'forwarded',
    `for=${req.socket.remoteAddress};host=${host};proto=http`,
    'via',
    '1.1 floor',
    'x-request-id',
    id,
    'traceparent',
    `00-${id}-${id.slice(16)}-01`,
  );
  pool.stream(
    { path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
    ({ statusCode, headers: h }) => {
      const out = [];
      for (const [k, v] of Object.entries(h))
        if (!HOP.has(k)) for (const one of Array.isArray(v) ? v : [v]) out.push(k, one);
      out.push('x-request-id', id, 'x-ratelimit-limit', '1000000000', 'x-ratelimit-remaining', '999999999');
      out.push('x-ratelimit-reset', '1');
      res.writeHead(statusCode, out);
      return res;
    },
    (err) => {
      if (err && !res.headersSent) {
        res.writeHead(502);
        res.end();
      } else if (err) res.destroy();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`listening ${server.address().port}`));
