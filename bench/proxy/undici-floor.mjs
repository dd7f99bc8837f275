// The floor for a Node proxy: node:http in, one undici Pool with keep-alive out, bodies streamed,
// no routing, no header plan beyond dropping the hop-by-hop fields undici refuses.
// `node undici-floor.mjs PORT UPSTREAM_ORIGIN`; prints `listening <port>`.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, origin] = process.argv.slice(2);
const pool = new Pool(origin, { keepAliveTimeout: 60_000 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-connection']);
const server = createServer((req, res) => {
  const headers = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
  pool.stream(
    { path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
    ({ statusCode, headers: h }) => {
      const out = [];
      for (const [k, v] of Object.entries(h))
        if (!HOP.has(k)) for (const one of Array.isArray(v) ? v : [v]) out.push(k, one);
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
