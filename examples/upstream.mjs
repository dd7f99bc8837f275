#!/usr/bin/env node
// A tiny demo upstream: answers every request with who it is (service, instance) and what it got
// (method, path, headers), as JSON. `node examples/upstream.mjs SERVICE INSTANCE PORT` runs one.
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

/** Starts one demo upstream on 127.0.0.1:`port`; resolves with the listening server. */
export function startDemoUpstream({ service, instance, port, host = '127.0.0.1' }) {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk) => {
      bytes += chunk.length;
    });
    req.on('end', () => {
      const body = `${JSON.stringify({ service, instance, method: req.method, path: req.url, headers: req.headers, bodyBytes: bytes }, null, 2)}\n`;
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-served-by': `${service}/${instance}`,
      });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [service, instance, port] = process.argv.slice(2);
  if (!service || !instance || !port) {
    console.error('usage: node examples/upstream.mjs SERVICE INSTANCE PORT');
    process.exit(2);
  }
  await startDemoUpstream({ service, instance, port: Number(port) });
  console.log(`${service}/${instance} listening on http://127.0.0.1:${port}`);
}
