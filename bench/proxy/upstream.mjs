// The benchmark's upstream: node:http on one or more ports (one process), answering every request
// with the same small JSON body. `node upstream.mjs PORT...` (0 = any); prints `listening P...`.
import { createServer } from 'node:http';

const body = Buffer.from('{"ok":true,"service":"bench-upstream"}\n');
const handler = (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
};
const ports = process.argv.slice(2).map(Number);
const bound = await Promise.all(
  (ports.length > 0 ? ports : [0]).map(
    (port) =>
      new Promise((resolve) => {
        const server = createServer(handler);
        server.keepAliveTimeout = 60_000;
        server.listen(port, '127.0.0.1', () => resolve(server.address().port));
      }),
  ),
);
console.log(`listening ${bound.join(' ')}`);
