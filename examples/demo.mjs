#!/usr/bin/env node
// `npm start`: a small tour of the primitives on the GitHub API route table, with the native core
// when it is built. The reference reverse proxy (gateway.yaml) will replace this demo.
import { readFileSync } from 'node:fs';
import { implementation, Router } from '@switchyard/node';

const table = readFileSync(new URL('../bench/router/github-api-routes.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => line.trim().split(/\s+/));

const router = new Router();
for (const [method, path] of table) router.add({ method, path }, `${method} ${path}`);
console.log(`Switchyard demo: ${router.size} GitHub API routes loaded, implementation: ${implementation}`);

const requests = [
  { method: 'GET', path: '/repos/nodejs/node/issues/123' },
  { method: 'GET', path: '/user/repos?per_page=10' },
  { method: 'DELETE', path: '/authorizations/7' },
  { method: 'GET', path: '/users/caf%C3%A9/events/public' },
  { method: 'GET', path: '/no/such/route' },
];
for (const req of requests) {
  const match = router.match(req);
  const params = match ? JSON.stringify({ ...match.params }) : '';
  console.log(`${req.method.padEnd(6)} ${req.path.padEnd(40)} -> ${match ? `${match.value} ${params}` : 'no route'}`);
}
const problems = router.check();
console.log(`check(): ${problems.length === 0 ? 'no unreachable, shadowed or conflicting routes' : ''}`);
for (const p of problems) console.log(`  ${p.kind}: ${p.message}`);
