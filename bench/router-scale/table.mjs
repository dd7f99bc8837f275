// The generated route table of the scale bench: `generateTable(n)` gives n routes, ten shapes per
// group g (so any n is a prefix of a larger table), with no two routes that check() would report.
// Most routes share the first segment `/api`, which is what made a per-first-segment bucket linear.

/** A small deterministic PRNG (mulberry32), so every run draws the same requests. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Route i: its spec and a request it wins. */
function route(i) {
  const g = Math.floor(i / 10);
  switch (i % 10) {
    case 0:
      return { spec: { method: 'GET', path: `/api/v1/res${g}` }, req: { method: 'GET', path: `/api/v1/res${g}` } };
    case 1:
      return {
        spec: { method: 'GET', path: `/api/v1/res${g}/:id` },
        req: { method: 'GET', path: `/api/v1/res${g}/42` },
      };
    case 2:
      return {
        spec: { method: ['PUT', 'PATCH'], path: `/api/v1/res${g}/:id` },
        req: { method: 'PATCH', path: `/api/v1/res${g}/7?dry=1` },
      };
    case 3:
      return {
        spec: { method: 'GET', path: `/api/v1/res${g}/:id/items/:item(\\d+)` },
        req: { method: 'GET', path: `/api/v1/res${g}/abc/items/123` },
      };
    case 4:
      return {
        spec: { method: 'GET', path: `/api/v2/res${g}/files/:name.:ext` },
        req: { method: 'GET', path: `/api/v2/res${g}/files/archive.tar.gz` },
      };
    case 5:
      return {
        spec: { method: 'POST', path: `/api/v2/res${g}/:id/actions/restart` },
        req: { method: 'POST', path: `/api/v2/res${g}/9/actions/restart` },
      };
    case 6:
      return {
        spec: { method: 'GET', host: `tenant${g}.example.com`, path: '/dashboard/:page' },
        req: { method: 'GET', host: `tenant${g}.example.com`, path: '/dashboard/home' },
      };
    case 7:
      return {
        spec: { host: `*.region${g}.example.com`, path: '/status', headers: { 'x-probe': true } },
        req: { method: 'GET', host: `a.b.region${g}.example.com`, path: '/status', headers: { 'x-probe': '1' } },
      };
    case 8:
      return { spec: { method: 'GET', path: `/p${g}/:a/:b/:c` }, req: { method: 'GET', path: `/p${g}/x/y/z` } };
    default:
      return { spec: { path: `/assets${g}/*` }, req: { method: 'GET', path: `/assets${g}/css/app.css` } };
  }
}

/** `n` routes (specs) with a winning request for each. */
export function generateTable(n) {
  const routes = [];
  for (let i = 0; i < n; i++) routes.push(route(i));
  return { routes };
}

/**
 * `count` requests drawn at random from a table of `n` routes that each win their route (`route`
 * is the id), and `count` that match nothing: deeper than any route under an existing prefix, an
 * unknown version, an unknown first segment, a known path with another method or host.
 */
export function lookups(n, count) {
  const random = prng(n);
  const match = [];
  const miss = [];
  for (let k = 0; k < count; k++) {
    const i = Math.floor(random() * n);
    match.push({ ...route(i).req, route: i });
    const g = Math.floor(i / 10);
    switch (k % 5) {
      case 0:
        miss.push({ method: 'GET', path: `/api/v1/res${g}/42/items/x/more` });
        break;
      case 1:
        miss.push({ method: 'GET', path: `/api/v3/res${g}` });
        break;
      case 2:
        miss.push({ method: 'GET', path: `/nope${g}/x` });
        break;
      case 3:
        miss.push({ method: 'DELETE', path: `/api/v1/res${g}/42` });
        break;
      default:
        miss.push({ method: 'GET', host: `tenant${g}.example.org`, path: '/dashboard/home' });
    }
  }
  return { match, miss };
}

/**
 * The other shape: every route on one path, told apart by the value of one header (a gateway
 * routing `x-tenant` to per-tenant services), the table a router keeps in one list.
 */
export function tenantTable(n) {
  const routes = [];
  for (let i = 0; i < n; i++) {
    routes.push({ spec: { method: 'GET', path: '/v1/orders/:id', headers: { 'x-tenant': `tenant-${i}` } } });
  }
  return { routes };
}

/** Lookups for {@link tenantTable}: known tenants (match) and unknown ones (miss). */
export function tenantLookups(n, count) {
  const random = prng(n + 1);
  const match = [];
  const miss = [];
  for (let k = 0; k < count; k++) {
    const i = Math.floor(random() * n);
    match.push({ method: 'GET', path: `/v1/orders/${k}`, headers: { 'x-tenant': `tenant-${i}` }, route: i });
    miss.push({ method: 'GET', path: `/v1/orders/${k}`, headers: { 'x-tenant': `nobody-${k}` } });
  }
  return { match, miss };
}
