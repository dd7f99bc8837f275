// Reproducible workload data for bench/workloads: a seeded PRNG, route tables of several shapes,
// request streams drawn at random from many distinct URLs (with misses), and limiter key streams
// (uniform over 100,000 or 1,000,000 keys, or Zipf-skewed). Nothing here depends on the clock or
// on Math.random, so a run with the same seed times the same requests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../lib.mjs';

/** The seed every workload starts from (`--seed=N` changes it). */
export const DEFAULT_SEED = 0x5eed;

/**
 * Mulberry32: a 32-bit state PRNG, small and fast, good enough to draw benchmark inputs.
 * Returns a function giving floats in [0, 1).
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Helpers over one PRNG. */
export function drawer(seed) {
  const next = prng(seed);
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const word = (min, max) => {
    const length = min + int(max - min + 1);
    let s = '';
    for (let i = 0; i < length; i++) s += alnum[int(alnum.length)];
    return s;
  };
  return { next, int, pick, word };
}

const WORDS = (
  'users orgs repos teams projects issues pulls comments reviews labels milestones releases assets ' +
  'branches commits tags hooks keys deployments statuses checks runs jobs artifacts secrets variables ' +
  'environments packages versions members invitations events notifications gists forks stars watchers ' +
  'subscriptions collaborators contents archives pages builds licenses topics languages contributors ' +
  'stats traffic views clones referrers paths codespaces machines billing settings audit'
).split(' ');
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** `{ method, path }` of the GitHub REST API table (203 routes) in bench/router. */
export function githubRoutes() {
  return readFileSync(join(root, 'bench', 'router', 'github-api-routes.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [method, path] = line.split(' ');
      return { method, path };
    });
}

/** Shape of a route, params blanked: two routes of one method and shape cannot coexist. */
const shape = (r) => `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ':')}`;

/**
 * 1,000 REST-like routes: a top-level resource, then nested `/:idK/<resource>` levels, so that
 * params sit at depths 2, 4 and 6 and static segments at the others; some end on an action.
 */
export function generatedRoutes(count = 1000, seed = DEFAULT_SEED) {
  const d = drawer(seed ^ 0x1000);
  const tops = WORDS.slice(0, 24).flatMap((w) => [w, `v2-${w}`]);
  const seen = new Set();
  const out = [];
  while (out.length < count) {
    let path = `/${d.pick(tops)}`;
    const levels = d.int(4);
    for (let k = 1; k <= levels; k++) {
      path += `/:id${k}`;
      if (k < levels || d.next() < 0.6) path += `/${d.pick(WORDS)}`;
    }
    if (d.next() < 0.15) path += `/${d.pick(['archive', 'restore', 'export', 'preview', 'count'])}`;
    const route = { method: d.pick(METHODS), path };
    const key = shape(route);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(route);
  }
  return out;
}

/**
 * A static-heavy site: 1,500 static pages (docs, blog, products, top-level pages), a few param
 * routes (search, users, an API) and a wildcard for assets.
 */
export function staticSiteRoutes(seed = DEFAULT_SEED) {
  const d = drawer(seed ^ 0x2000);
  const seen = new Set();
  const out = [];
  const add = (method, path) => {
    const key = `${method} ${path}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ method, path });
  };
  for (const p of ['/', '/about', '/pricing', '/contact', '/careers', '/legal/terms', '/legal/privacy', '/sitemap.xml'])
    add('GET', p);
  const sections = WORDS.slice(0, 30);
  while (out.length < 1500) {
    const r = d.next();
    if (r < 0.45) add('GET', `/docs/${d.pick(sections)}/${d.word(4, 14)}`);
    else if (r < 0.75) add('GET', `/blog/${2015 + d.int(11)}/${1 + d.int(12)}/${d.word(6, 24)}`);
    else add('GET', `/products/${d.pick(sections)}/${d.word(5, 16)}`);
  }
  for (const p of ['/search/:query', '/users/:id', '/users/:id/profile', '/api/items/:id', '/api/items/:id/reviews'])
    add('GET', p);
  add('POST', '/api/items');
  add('POST', '/contact');
  add('GET', '/assets/*');
  return out;
}

/** Eight hosts, each serving its own 60-route slice of the GitHub table, plus 40 routes any host serves. */
export function hostRoutes(seed = DEFAULT_SEED) {
  const d = drawer(seed ^ 0x3000);
  const base = githubRoutes();
  const hosts = Array.from({ length: 8 }, (_, i) => (i === 0 ? 'api.example.com' : `tenant${i}.example.com`));
  const out = [];
  for (const host of hosts) {
    const taken = new Set();
    while (taken.size < 60) taken.add(d.int(base.length));
    for (const i of [...taken].sort((a, b) => a - b)) out.push({ ...base[i], host });
  }
  const anyHost = new Set();
  while (anyHost.size < 40) anyHost.add(d.int(base.length));
  for (const i of [...anyHost].sort((a, b) => a - b)) out.push({ ...base[i] });
  return { routes: out, hosts };
}

/** Header values of the header-constrained table: `x-api-version` v1..v3 (v4 is routed by no route). */
export const API_VERSIONS = ['v1', 'v2', 'v3'];
export const VERSION_HEADER = 'x-api-version';

/**
 * The GitHub table where a third of the routes also exist once per `x-api-version` value
 * (header equals), ranked before their unconstrained fallback.
 */
export function headerRoutes(seed = DEFAULT_SEED) {
  const d = drawer(seed ^ 0x4000);
  const out = [];
  for (const r of githubRoutes()) {
    if (d.next() < 1 / 3) for (const v of API_VERSIONS) out.push({ ...r, version: v });
    out.push({ ...r });
  }
  return out;
}

/** A request path for `path`: each param filled with a value drawn at random, so URLs are many. */
export function fill(path, d) {
  return path
    .replace(/:([A-Za-z0-9_]+)/g, (_, name) =>
      /id|number|year/i.test(name) ? String(1 + d.int(9_999_999)) : `${d.word(3, 12)}`,
    )
    .replace(/\*$/, () => `${d.word(3, 10)}/${d.word(3, 10)}.${d.pick(['js', 'css', 'png'])}`);
}

/**
 * `count` requests against `routes`: `1 - missShare` of them a route drawn at random with its
 * params filled at random, the rest paths no route takes (an unknown top segment, a known path
 * with an extra segment, a known static path one character off). `only` restricts the hits to
 * the routes it accepts. Each request is `{ method, path, host?, headers? }`; `decorate(req, route, d)`
 * may add a host or headers. Requests whose answers differ between contenders are dropped by
 * the caller, so they are drawn with some slack.
 */
export function requests(routes, { count, missShare = 0.2, seed = DEFAULT_SEED, only = () => true, decorate }) {
  const d = drawer(seed);
  const hits = routes.filter(only);
  const out = [];
  while (out.length < count) {
    const route = d.pick(hits);
    let path;
    let hit = true;
    if (d.next() < missShare) {
      hit = false;
      const kind = d.int(3);
      if (kind === 0) path = `/${d.word(4, 10)}/${d.word(3, 8)}`;
      else if (kind === 1) path = `${fill(route.path, d).replace(/\/$/, '')}/${d.word(4, 10)}x`;
      else path = `${fill(route.path, d).replace(/\/$/, '')}q`;
    } else {
      path = fill(route.path, d);
    }
    const req = { method: route.method, path };
    decorate?.(req, route, d, hit);
    out.push(req);
  }
  return out;
}

/** `count` indices in `[0, n)`, uniform. */
export function uniformIndices(n, count, seed) {
  const d = drawer(seed);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = d.int(n);
  return out;
}

/**
 * `count` indices in `[0, n)` drawn from a Zipf distribution with exponent `s` (rank r has weight
 * 1/r^s): a few keys take most of the traffic, as a few clients do. Inverse CDF by binary search.
 */
export function zipfIndices(n, count, seed, s = 1.0) {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < n; r++) {
    total += 1 / (r + 1) ** s;
    cdf[r] = total;
  }
  const d = drawer(seed);
  // Ranks are shuffled onto key indices, so hot keys are not the table's first inserts.
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = d.int(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const u = d.next() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[i] = perm[lo];
  }
  return out;
}

/** Costs for `count` takes: 1 for most, 2..10 for `share` of them (bulk or weighted requests). */
export function costs(count, seed, share = 0.25) {
  const d = drawer(seed);
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = d.next() < share ? 2 + d.int(9) : 1;
  return out;
}
