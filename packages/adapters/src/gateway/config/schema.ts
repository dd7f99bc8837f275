/**
 * The one definition of the `gateway.yaml` format, as data. The validator (`validate.ts`) walks
 * it to check a file, and the config reference `docs/gateway-config.md` is rendered from it
 * (`docs.ts`, `scripts/gen-config-docs.mjs`), so the reference and what is accepted cannot drift.
 * Rules that span several places of a file (a route naming an undefined service, a Redis store
 * without `redis:`) are checked in `validate.ts` and listed in {@link CROSS_CHECKS}.
 * @module
 */

/**
 * What a string must look like, beyond being a string. Each has a checker in `validate.ts` and a
 * description in {@link FORMATS}.
 */
export type StringFormat =
  | 'name'
  | 'text'
  | 'listen-host'
  | 'upstream-url'
  | 'redis-url'
  | 'cidr'
  | 'key-source'
  | 'header-name'
  | 'header-value'
  | 'version'
  | 'method'
  | 'route-path'
  | 'route-host'
  | 'path-prefix'
  | 'pattern';

/** A node of the schema: what one value of the file may be. */
export type SchemaNode =
  | StringNode
  | IntegerNode
  | NumberNode
  | BooleanNode
  | ObjectNode
  | MapNode
  | ListNode
  | OneOfNode;

/** A string, optionally of a {@link StringFormat} or one of fixed values. */
export interface StringNode {
  readonly kind: 'string';
  readonly format?: StringFormat;
  readonly enum?: readonly string[];
}

/** An integer in `[min, max]`; `unit: 'ms'` for durations. */
export interface IntegerNode {
  readonly kind: 'integer';
  readonly min: number;
  readonly max: number;
  readonly unit?: 'ms';
}

/** A finite number in `[min, max]` with at most `decimals` decimals (any when omitted). */
export interface NumberNode {
  readonly kind: 'number';
  readonly min: number;
  readonly max: number;
  readonly decimals?: number;
}

/** `true` or `false`. */
export interface BooleanNode {
  readonly kind: 'boolean';
}

/** A key of an {@link ObjectNode}. */
export interface Field {
  readonly type: SchemaNode;
  readonly required?: boolean;
  /**
   * The value an absent key takes: the validator fills it in, the reference shows it. An absent
   * object without a default whose keys all have defaults (or are optional) is filled in too.
   */
  readonly default?: string | number | boolean | readonly never[] | Readonly<Record<string, never>>;
  /**
   * An absent object stays absent, even when all its keys have defaults: the feature it
   * configures is off until the key is written (`breaker: {}` turns it on with the defaults).
   */
  readonly off?: true;
  readonly doc: string;
}

/** A rule between the keys of one object. */
export type ObjectRule =
  /** Exactly one of `keys` must be present. */
  | { readonly rule: 'exactly-one'; readonly keys: readonly string[] }
  /** When `key` is (or defaults to) `equals`, `require` must be present and `forbid` absent. */
  | {
      readonly rule: 'when';
      readonly key: string;
      readonly equals: string;
      readonly require: readonly string[];
      readonly forbid: readonly string[];
    };

/** A fixed set of keys; any other key is an error. */
export interface ObjectNode {
  readonly kind: 'object';
  /** Heading of its section in the reference, and what error messages call it. */
  readonly title: string;
  /** Anchor of its section in the reference. */
  readonly id: string;
  readonly doc: string;
  readonly fields: Readonly<Record<string, Field>>;
  readonly rules?: readonly ObjectRule[];
  /** An example, in YAML, for the reference. */
  readonly example?: string;
}

/** Keys chosen by the user (service names, header names), each with a value of one type. */
export interface MapNode {
  readonly kind: 'map';
  readonly keys: StringFormat;
  readonly keyDoc: string;
  readonly values: SchemaNode;
}

/** A list of items of one type. */
export interface ListNode {
  readonly kind: 'list';
  readonly items: SchemaNode;
  readonly minItems?: number;
}

/**
 * One of several variants, told apart by the shape of the value alone (a string, a number, a
 * boolean, an object or a list), never by trying each in turn: every variant has a different
 * shape, so an error can always say which variant it is about.
 */
export interface OneOfNode {
  readonly kind: 'one-of';
  readonly variants: readonly SchemaNode[];
  /** A single value where a list is accepted is taken as a list of one (`methods: GET`). */
  readonly singleAsList?: boolean;
}

/** What each {@link StringFormat} accepts, for error messages and the reference. */
export const FORMATS: Readonly<Record<StringFormat, string>> = {
  name: 'a name: letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 128 characters',
  text: 'any text without control characters',
  'listen-host': 'an IP address or a host name',
  'upstream-url':
    'an absolute `http:` URL without user info, query or fragment, such as `http://127.0.0.1:9001` or `http://10.0.0.7:8080/base` (only `http:` upstreams for now: TLS to upstreams is not supported yet)',
  'redis-url': 'a `redis:` or `rediss:` URL, such as `redis://127.0.0.1:6379`',
  cidr: 'an IPv4 or IPv6 address or CIDR block, such as `10.0.0.0/8` or `::1`',
  'key-source':
    '`header:NAME`, `cookie:NAME`, `query:NAME`, `client-ip` or `path` (the canonical path); header names are case-insensitive',
  'header-name': "an HTTP header name (letters, digits and ``!#$%&'*+-.^_`|~``)",
  'header-value': 'a header value: visible characters, spaces and tabs (no CR, LF or NUL)',
  version: 'a version token such as `v2` or `2024-06-01` (letters, digits and `._~-`)',
  method: 'an HTTP method (`GET`, `POST`, ... or any other token; upper-cased)',
  'route-path':
    'a route path: static `/a/b`, params `/users/:id`, `/users/:id(\\d+)`, `/files/:name.:ext`, wildcard tail `/static/*` (see docs/router-spec.md)',
  'route-host': 'an exact host `api.example.com` or a wildcard `*.example.com`',
  'path-prefix': 'a path starting with `/`, without `?`, `#`, spaces or control characters (CR, LF, NUL)',
  pattern: "a regular expression of the router's safe subset, matched against the whole value",
};

const ms = (min: number): IntegerNode => ({ kind: 'integer', min, max: 2_147_483_647, unit: 'ms' });
/** A size in bytes; `0` is no limit. */
const bodyBytes: IntegerNode = { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER };
const str = (format?: StringFormat): StringNode => (format ? { kind: 'string', format } : { kind: 'string' });
const oneOfStrings = (values: readonly string[]): StringNode => ({ kind: 'string', enum: values });

/** Balance strategies a service may name as a plain string. */
export const BALANCE_STRATEGIES = ['round-robin', 'least-requests', 'random'] as const;
/** Consistent-hash algorithms of `@switchyard/node`'s `ConsistentHash`. */
export const HASH_ALGORITHMS = ['ring', 'maglev', 'rendezvous', 'jump'] as const;

/**
 * Deadlines for clients of the proxy listener (node:http's server timeouts): what bounds a
 * slowloris head, a slow body and an idle keep-alive connection.
 */
export const CLIENT_TIMEOUTS: ObjectNode = {
  kind: 'object',
  title: 'listen.client_timeouts',
  id: 'client-timeouts',
  doc: "Deadlines for the proxy's clients, in milliseconds; read when the proxy starts listening (a reload does not change them). `createGateway()`'s `keepAliveTimeoutMs`, `headersTimeoutMs` and `requestTimeoutMs` override them.",
  fields: {
    keep_alive_ms: {
      type: ms(1),
      default: 5_000,
      doc: 'Idle time after which a keep-alive connection is closed.',
    },
    headers_ms: {
      type: ms(1),
      default: 20_000,
      doc: 'Time a client has to send the whole request head (slowloris); answered 408. Capped at `request_ms` when that is shorter.',
    },
    request_ms: {
      type: ms(0),
      default: 300_000,
      doc: 'Time a client has to send the whole request, body included (`0`: no limit); answered 408.',
    },
  },
  example: `listen:
  port: 8080
  client_timeouts: { keep_alive_ms: 5000, headers_ms: 10000, request_ms: 60000 }`,
};

const listen = (what: string, portRequired: boolean): ObjectNode => ({
  kind: 'object',
  title: what === 'proxy' ? 'listen' : 'admin',
  id: what === 'proxy' ? 'listen' : 'admin',
  doc:
    what === 'proxy'
      ? 'Where the proxy accepts requests. `switchyard serve --port N --host H` overrides it.'
      : 'Optional admin endpoint: `/metrics`, `/healthz`, `/routes`. Keep it on a private address.',
  fields: {
    host: { type: str('listen-host'), default: '127.0.0.1', doc: 'Address to bind.' },
    port: portRequired
      ? { type: { kind: 'integer', min: 0, max: 65535 }, required: true, doc: 'TCP port (0: any free port).' }
      : { type: { kind: 'integer', min: 0, max: 65535 }, default: 8080, doc: 'TCP port (0: any free port).' },
    ...(what === 'proxy'
      ? {
          client_timeouts: {
            type: CLIENT_TIMEOUTS,
            doc: 'Deadlines for clients (slow heads, slow bodies, idle connections).',
          },
        }
      : {}),
  },
});

const timeouts: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.timeouts',
  id: 'timeouts',
  doc: 'Upstream timeouts of a service, in milliseconds; `0` disables one. A timeout gives the client 504.',
  fields: {
    connect_ms: { type: ms(0), default: 2000, doc: 'Connecting to a target.' },
    headers_ms: { type: ms(0), default: 30_000, doc: 'From sending the request to the response headers.' },
    request_ms: {
      type: ms(0),
      default: 0,
      doc: "The whole exchange, body and retries included (0: no limit, so that a long-lived stream such as Server-Sent Events or a large download is never cut; `headers_ms` still guards against an upstream that never answers). A route's `timeouts.request_ms` or `timeout_ms` overrides it.",
    },
    idle_ms: {
      type: ms(0),
      default: 60_000,
      doc: 'A WebSocket (or other upgraded connection) is closed after this long without traffic.',
    },
  },
};

const routeTimeouts: ObjectNode = {
  kind: 'object',
  title: 'routes[].timeouts',
  id: 'route-timeouts',
  doc: "A route's own upstream timeouts, in milliseconds (`0` disables one); each one given overrides its service's.",
  fields: {
    connect_ms: { type: ms(0), doc: 'Connecting to a target.' },
    headers_ms: { type: ms(0), doc: 'From sending the request to the response headers (each attempt).' },
    request_ms: { type: ms(0), doc: 'The whole exchange, body and retries included. Same as `timeout_ms`.' },
  },
};

const retryBudget: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.retries.budget',
  id: 'retry-budget',
  doc: "The service's retry budget: a token bucket of retries shared by all its requests. Each retry takes a token; with none left a failure goes to the client as it is. It keeps retries from multiplying the load on a service that fails for everyone.",
  fields: {
    capacity: { type: { kind: 'integer', min: 1, max: 1_000_000 }, default: 10, doc: 'Most retries in a burst.' },
    refill_per_second: {
      type: { kind: 'number', min: 0.001, max: 1_000_000, decimals: 3 },
      default: 1,
      doc: 'Retries added back per second.',
    },
  },
};

const retries: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.retries',
  id: 'retries',
  doc: 'Retries of failed upstream attempts (off when absent; `retries: {}` turns them on with the defaults). Retried: a connection error (refused, reset, connect timeout) and a 502, 503 or 504, for idempotent methods (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) unless the route\'s `retry` says otherwise; never a request whose body has started to go upstream (bodies are streamed), nor a response-headers timeout. Each retry prefers a target not yet tried. See docs/gateway.md, "Resilience".',
  example: `services:
  user-service:
    targets: [http://127.0.0.1:9001, http://127.0.0.1:9002]
    retries: { attempts: 3, backoff_ms: 25, max_backoff_ms: 1000, budget: { capacity: 10, refill_per_second: 1 } }`,
  fields: {
    attempts: {
      type: { kind: 'integer', min: 1, max: 10 },
      default: 3,
      doc: 'Attempts in all, the first included (1: no retry).',
    },
    backoff_ms: {
      type: ms(0),
      default: 25,
      doc: 'Backoff before the first retry; it doubles with each retry, and each wait is drawn uniformly below it (full jitter).',
    },
    max_backoff_ms: { type: ms(0), default: 1000, doc: 'Cap of the backoff.' },
    max_retry_after_ms: {
      type: ms(0),
      default: 10_000,
      doc: "A `Retry-After` (seconds or HTTP-date) of a 503 is honoured: the retry waits at least that long, never less. One longer than this ends the retries, and the upstream's answer goes to the client.",
    },
    budget: { type: retryBudget, doc: 'The retry budget.' },
  },
};

const failureRate: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.breaker.failure_rate',
  id: 'failure-rate',
  doc: "Opens a target's breaker when its share of failed requests over a sliding window reaches a threshold (off when absent).",
  fields: {
    threshold_percent: {
      type: { kind: 'integer', min: 1, max: 100 },
      default: 50,
      doc: 'Share of failures, in percent, that opens the breaker.',
    },
    window_ms: { type: ms(100), default: 10_000, doc: 'The sliding window (it slides in tenths).' },
    min_requests: {
      type: { kind: 'integer', min: 1, max: 1_000_000 },
      default: 20,
      doc: 'Fewer outcomes than this in the window never open the breaker.',
    },
  },
};

const breaker: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.breaker',
  id: 'breaker',
  doc: "A circuit breaker per target (off when absent; `breaker: {}` turns it on with the defaults). It counts the target's own failures only: a 5xx, a connection error, a timeout; never a 4xx, a client abort or a request the gateway answered itself. An open target gets no request; under consistent hashing only its keys move.",
  example: `services:
  user-service:
    targets: [http://127.0.0.1:9001, http://127.0.0.1:9002]
    breaker: { consecutive_failures: 5, cooldown_ms: 30000, half_open_requests: 1, close_after: 3 }`,
  fields: {
    consecutive_failures: {
      type: { kind: 'integer', min: 1, max: 1_000_000 },
      default: 5,
      doc: 'Failures in a row that open the breaker.',
    },
    failure_rate: { type: failureRate, off: true, doc: 'Also open on a failure rate over a window.' },
    cooldown_ms: { type: ms(1), default: 30_000, doc: 'How long an open breaker stays open before half-opening.' },
    half_open_requests: {
      type: { kind: 'integer', min: 1, max: 1_000_000 },
      default: 1,
      doc: 'Trial requests let through at a time while half-open; one failure opens the breaker again.',
    },
    close_after: {
      type: { kind: 'integer', min: 1, max: 1_000_000 },
      default: 3,
      doc: 'Successful trial requests that close a half-open breaker.',
    },
  },
};

const health: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.health',
  id: 'health',
  doc: 'Active health checks (off when absent): every target is probed with `GET path`; a 2xx or 3xx within `timeout_ms` passes. An unhealthy target gets no request. Targets start in `unknown`, which takes traffic.',
  example: `services:
  user-service:
    targets: [http://127.0.0.1:9001, http://127.0.0.1:9002]
    health: { path: /healthz, interval_ms: 5000, timeout_ms: 1000, healthy_threshold: 2, unhealthy_threshold: 3 }`,
  fields: {
    path: { type: str('path-prefix'), required: true, doc: 'Path probed on every target (`GET`).' },
    interval_ms: { type: ms(10), default: 5000, doc: 'Time between two probes of a target.' },
    timeout_ms: { type: ms(1), default: 1000, doc: 'A probe not answered within this long fails.' },
    healthy_threshold: {
      type: { kind: 'integer', min: 1, max: 100 },
      default: 2,
      doc: 'Passed probes in a row that make an unhealthy target healthy.',
    },
    unhealthy_threshold: {
      type: { kind: 'integer', min: 1, max: 100 },
      default: 3,
      doc: 'Failed probes in a row that make a target unhealthy.',
    },
  },
};

const consistentHash: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.balance.consistent-hash',
  id: 'consistent-hash',
  doc: 'Sends every request with the same key to the same target while the targets stay the same (cache affinity). Requests without the key are balanced at random.',
  fields: {
    key: { type: str('key-source'), required: true, doc: 'Where the key comes from.' },
    algorithm: {
      type: oneOfStrings(HASH_ALGORITHMS),
      default: 'ring',
      doc: '`ring` (ketama-style, weights), `maglev` (O(1) lookup table, weights), `rendezvous` (exact weights, O(targets) per pick) or `jump` (no weights). See docs/hashing.md.',
    },
  },
};

/** A target in its object form. */
export const TARGET: ObjectNode = {
  kind: 'object',
  title: 'services.NAME.targets[]',
  id: 'target',
  doc: 'An upstream with a weight. A target may also be written as its URL alone (weight 1).',
  fields: {
    url: {
      type: str('upstream-url'),
      required: true,
      doc: 'The upstream. Its path, if any, is prepended to every upstream path.',
    },
    weight: {
      type: { kind: 'integer', min: 1, max: 1_000_000 },
      default: 1,
      doc: 'Relative share of the requests (round-robin, random, consistent-hash except `jump`).',
    },
  },
};

const service: ObjectNode = {
  kind: 'object',
  title: 'services.NAME',
  id: 'service',
  doc: 'An upstream service: where its targets are and how requests spread over them.',
  example: `services:
  user-service:
    targets: [http://127.0.0.1:9001, { url: http://127.0.0.1:9002, weight: 2 }]
    balance: { consistent-hash: { key: header:x-user-id, algorithm: maglev } }
    timeouts: { connect_ms: 2000, request_ms: 10000 }`,
  fields: {
    targets: {
      type: { kind: 'list', minItems: 1, items: { kind: 'one-of', variants: [str('upstream-url'), TARGET] } },
      required: true,
      doc: 'The upstreams: URLs, or `{ url, weight }` objects. Each target at most once.',
    },
    balance: {
      type: {
        kind: 'one-of',
        variants: [
          oneOfStrings(BALANCE_STRATEGIES),
          {
            kind: 'object',
            title: 'services.NAME.balance',
            id: 'balance',
            doc: 'The object form of `balance`.',
            fields: {
              'consistent-hash': { type: consistentHash, required: true, doc: 'Consistent hashing by a request key.' },
            },
          },
        ],
      },
      default: 'round-robin',
      doc: '`round-robin`, `least-requests`, `random`, or `{ consistent-hash: { key, algorithm } }`.',
    },
    timeouts: { type: timeouts, doc: 'Upstream timeouts.' },
    pass_host_header: {
      type: { kind: 'boolean' },
      default: true,
      doc: "Whether the upstream gets the client's `Host` (`true`, the default), or the target's own host and port (`false`: for upstreams that are virtual hosts, such as an ingress or a hosted API). `X-Forwarded-Host` and `Forwarded` carry the client's host either way. Traefik's `passHostHeader`, the opposite of Kong's `preserve_host` default.",
    },
    retries: { type: retries, off: true, doc: 'Retries of failed attempts (off when absent).' },
    breaker: { type: breaker, off: true, doc: 'A circuit breaker per target (off when absent).' },
    health: { type: health, doc: 'Active health checks of every target (off when absent).' },
  },
};

const limitPolicy: ObjectNode = {
  kind: 'object',
  title: 'rate_limits.NAME',
  id: 'rate-limit',
  doc: 'A rate-limit policy: how much each key may take. A request is admitted only when every policy of its route admits it (all or nothing); otherwise 429 with `Retry-After`.',
  example: `rate_limits:
  per-ip: { algorithm: token-bucket, capacity: 20, refill_per_second: 10, key: client-ip }
  per-user: { algorithm: sliding-window, limit: 600, window_ms: 60000, key: header:x-user-id, store: redis }`,
  fields: {
    algorithm: {
      type: oneOfStrings(['token-bucket', 'sliding-window']),
      default: 'token-bucket',
      doc: '`token-bucket` (bursts up to `capacity`, refilled continuously) or `sliding-window` (about `limit` per `window_ms`).',
    },
    capacity: {
      type: { kind: 'integer', min: 1, max: 1_000_000_000 },
      doc: 'Token bucket: the largest burst. Required with `token-bucket`.',
    },
    refill_per_second: {
      type: { kind: 'number', min: 0.001, max: 1_000_000_000, decimals: 3 },
      doc: 'Token bucket: tokens added per second (at most three decimals). Required with `token-bucket`.',
    },
    limit: {
      type: { kind: 'integer', min: 1, max: 1_000_000_000 },
      doc: 'Sliding window: requests admitted per window. Required with `sliding-window`.',
    },
    window_ms: { type: ms(1), doc: 'Sliding window: the window, in ms. Required with `sliding-window`.' },
    key: { type: str('key-source'), default: 'client-ip', doc: 'What the budget is kept per.' },
    store: {
      type: oneOfStrings(['memory', 'redis']),
      default: 'memory',
      doc: '`memory`: one budget per process (per worker with `--workers`). `redis`: one budget shared by every process using `redis.url`.',
    },
  },
  rules: [
    {
      rule: 'when',
      key: 'algorithm',
      equals: 'token-bucket',
      require: ['capacity', 'refill_per_second'],
      forbid: ['limit', 'window_ms'],
    },
    {
      rule: 'when',
      key: 'algorithm',
      equals: 'sliding-window',
      require: ['limit', 'window_ms'],
      forbid: ['capacity', 'refill_per_second'],
    },
  ],
};

const splitEntry: ObjectNode = {
  kind: 'object',
  title: 'routes[].split[]',
  id: 'split',
  doc: 'One service of a traffic split and its weight.',
  fields: {
    service: { type: str('name'), required: true, doc: 'A service defined under `services:`.' },
    weight: {
      type: { kind: 'number', min: 0, max: 1_000_000 },
      required: true,
      doc: 'Relative share (0 takes no traffic). The weights of a split must not all be 0.',
    },
  },
};

const rewrite: ObjectNode = {
  kind: 'object',
  title: 'routes[].rewrite',
  id: 'rewrite',
  doc: 'Rewrites the canonical path before it is sent upstream. Exactly one of the two forms.',
  fields: {
    strip_prefix: { type: str('path-prefix'), doc: 'Removes this prefix: `/api` sends `/api/users` as `/users`.' },
    replace_prefix: {
      type: {
        kind: 'object',
        title: 'routes[].rewrite.replace_prefix',
        id: 'replace-prefix',
        doc: 'Replaces a prefix.',
        fields: {
          from: { type: str('path-prefix'), required: true, doc: 'The prefix to replace.' },
          to: { type: str('path-prefix'), required: true, doc: 'Its replacement.' },
        },
      },
      doc: '`{ from, to }`: `{ from: /api/v1, to: /v1 }` sends `/api/v1/users` as `/v1/users`.',
    },
  },
  rules: [{ rule: 'exactly-one', keys: ['strip_prefix', 'replace_prefix'] }],
};

const headerConstraint: OneOfNode = {
  kind: 'one-of',
  variants: [
    str('header-value'),
    { kind: 'boolean' },
    {
      kind: 'object',
      title: 'routes[].headers.NAME',
      id: 'header-pattern',
      doc: 'A header constraint by pattern.',
      fields: { pattern: { type: str('pattern'), required: true, doc: 'The value must fully match it.' } },
    },
  ],
};

/** `request_headers:` / `response_headers:` of a route: fields to set and fields to remove. */
const headerEdits = (which: 'request' | 'response'): ObjectNode => ({
  kind: 'object',
  title: `routes[].${which}_headers`,
  id: `${which}-headers`,
  doc:
    which === 'request'
      ? "Edits of the request sent upstream, after the gateway's own header plan: `set` replaces every field of that name the client sent with one value, `remove` drops fields. The fields the gateway writes or manages itself (hop-by-hop fields, `Host`, `Content-Length`, `Expect`, `X-Forwarded-*`, `Forwarded`, `Via`, `X-Request-ID`, `traceparent`, `tracestate`) cannot be edited."
      : "Edits of the upstream's answer before it reaches the client (not of the gateway's own answers): `set` replaces every field of that name with one value, `remove` drops fields. Hop-by-hop fields, `Content-Length`, `X-Request-ID` and the rate-limit fields cannot be edited.",
  example:
    which === 'request'
      ? `request_headers:
  set: { x-api-key: internal-1234 }
  remove: [cookie]`
      : `response_headers:
  set: { strict-transport-security: max-age=63072000 }
  remove: [server, x-powered-by]`,
  fields: {
    set: {
      type: { kind: 'map', keys: 'header-name', keyDoc: 'header name', values: str('header-value') },
      doc: 'Fields and their one value.',
    },
    remove: { type: { kind: 'list', items: str('header-name') }, doc: 'Names of fields to drop.' },
  },
});

const route: ObjectNode = {
  kind: 'object',
  title: 'routes[]',
  id: 'route',
  doc: 'A route: what requests it matches (path, methods, host, headers, version) and where they go (one service, or a split over several). The most specific matching route wins (docs/router-spec.md); a path that matches with another method gives 405 with `Allow`, no match 404.',
  example: `routes:
  - path: /api/v1/users
    methods: [GET, POST, PUT]
    service: user-service
  - path: /api/users/*
    host: api.example.com
    headers: { x-beta: "1" }
    split: [{ service: user-service, weight: 95 }, { service: user-v2, weight: 5 }]
    sticky: header:x-user-id
    rate_limit: [per-ip, per-user]
    rewrite: { strip_prefix: /api }
    timeout_ms: 3000`,
  fields: {
    path: { type: str('route-path'), required: true, doc: 'The path pattern, matched against the canonical path.' },
    methods: {
      type: { kind: 'one-of', singleAsList: true, variants: [{ kind: 'list', minItems: 1, items: str('method') }] },
      doc: 'Methods routed (a list, or one method). Omitted: any method.',
    },
    host: { type: str('route-host'), doc: 'Only requests for this host. Omitted: any host.' },
    headers: {
      type: { kind: 'map', keys: 'header-name', keyDoc: 'header name', values: headerConstraint },
      doc: 'Header constraints by name: a string (equals), `true` (present), `false` (absent) or `{ pattern }`. Quote values YAML would read as numbers or booleans: `x-beta: "1"`.',
    },
    version: {
      type: str('version'),
      doc: 'Only requests of this API version (from `versioning.header`, else a `/v{n}/` path segment, else `versioning.default`).',
    },
    service: { type: str('name'), doc: 'The service requests go to. Exactly one of `service` and `split`.' },
    split: {
      type: { kind: 'list', minItems: 1, items: splitEntry },
      doc: 'A traffic split (canary, blue-green): `[{ service, weight }, ...]`. Exactly one of `service` and `split`.',
    },
    sticky: {
      type: str('key-source'),
      doc: 'Keeps each key on one service of the split (same key syntax as consistent-hash). Without it a split picks at random per request.',
    },
    rate_limit: {
      type: { kind: 'one-of', singleAsList: true, variants: [{ kind: 'list', items: str('name') }, limitPolicy] },
      doc: 'Policy names from `rate_limits:` (a list, or one name), or one inline policy object (named `route:<index>`).',
    },
    rewrite: { type: rewrite, doc: 'Path rewrite before forwarding.' },
    timeout_ms: { type: ms(0), doc: "Overrides the service's `timeouts.request_ms` for this route (0: none)." },
    timeouts: {
      type: routeTimeouts,
      off: true,
      doc: "Overrides the service's `connect_ms`, `headers_ms`, `request_ms` for this route.",
    },
    request_headers: {
      type: headerEdits('request'),
      doc: 'Fields to set on, or remove from, the request sent upstream.',
    },
    response_headers: {
      type: headerEdits('response'),
      doc: "Fields to set on, or remove from, the upstream's answer.",
    },
    max_body_bytes: {
      type: bodyBytes,
      doc: "Largest request body this route forwards, in bytes (`0`: no limit); overrides the top-level `max_body_bytes`. A larger `Content-Length` is answered 413 before any upstream is asked; a chunked body that grows past it is cut off upstream and answered 413 (or, when the upstream has answered already, the client's connection is closed).",
    },
    retry: {
      type: oneOfStrings(['idempotent', 'always', 'never']),
      default: 'idempotent',
      doc: "Which requests the service's `retries` may retry: `idempotent` methods only, `always` (also POST and PATCH: for a route whose requests are safe to repeat, such as ones with an idempotency key; a body that has started to go upstream is still never resent), or `never`.",
    },
  },
  rules: [{ rule: 'exactly-one', keys: ['service', 'split'] }],
};

const enabled = (what: string) => ({ type: { kind: 'boolean' } as const, default: false, doc: `Turns ${what} on.` });

const observability: ObjectNode = {
  kind: 'object',
  title: 'observability',
  id: 'observability',
  doc: 'What the gateway reports about the requests it serves (docs/observability.md). Everything is off by default, except the metrics of a gateway with an `admin:` listener; each part costs only when on. Read when the gateway starts: a reload does not turn a part on or off.',
  example: `admin: { host: 127.0.0.1, port: 9901 }
observability:
  access_log: { enabled: true, destination: /var/log/switchyard/access.log }
  metrics: { enabled: true }
  traces: { enabled: true }`,
  fields: {
    access_log: {
      type: {
        kind: 'object',
        title: 'observability.access_log',
        id: 'access-log',
        doc: 'One JSON line per request (pino): method, canonical path, route, version, service, target, status, latency, request id, client IP, and the rate-limit, retry and breaker outcomes.',
        fields: {
          enabled: enabled('the access log'),
          destination: {
            type: str('text'),
            default: 'stdout',
            doc: 'Where the lines go: `stdout`, `stderr`, or a file path (appended to; relative to the working directory).',
          },
        },
      },
      doc: 'Access log.',
    },
    metrics: {
      type: {
        kind: 'object',
        title: 'observability.metrics',
        id: 'metrics',
        doc: 'Prometheus metrics (prom-client), served as `/metrics` on the admin listener (`admin:`): requests, latencies, upstream attempts and connections, rate-limit rejections, retries, target health and breaker state.',
        fields: {
          enabled: {
            type: { kind: 'boolean' },
            doc: 'Turns `/metrics` on. Default: on when `admin:` is set (the admin listener serves `/metrics`, `/healthz` and `/routes`), off without it; `false` turns it off on an admin listener.',
          },
          process: {
            type: { kind: 'boolean' },
            default: false,
            doc: "Also export Node's own metrics (CPU, memory, event-loop lag, GC), prom-client's defaults.",
          },
        },
      },
      doc: 'Prometheus metrics.',
    },
    traces: {
      type: {
        kind: 'object',
        title: 'observability.traces',
        id: 'traces',
        doc: "Spans through `@opentelemetry/api` (one per request, one per upstream attempt) when the process has registered a tracer provider (an OpenTelemetry SDK); the upstream's `traceparent` then names the attempt span. Without a provider, or with `@opentelemetry/api` not installed, nothing is recorded and `traceparent` is still continued or started.",
        fields: { enabled: enabled('spans') },
      },
      doc: 'Distributed tracing.',
    },
  },
};

/** The root of `gateway.yaml`. */
export const GATEWAY_SCHEMA: ObjectNode = {
  kind: 'object',
  title: 'gateway.yaml',
  id: 'top-level',
  doc: 'The top level of the file. Only `routes` is required.',
  example: `name: api-gateway
routes:
  - path: /api/v1/users
    service: user-service
    methods: [GET, POST, PUT]
  - path: /api/v2/*
    service: api-v2
    version: v2
services:
  user-service: { targets: [http://127.0.0.1:9001] }
  api-v2: { targets: [http://127.0.0.1:9003] }`,
  fields: {
    name: { type: str('text'), default: 'gateway', doc: 'Name of the gateway, for logs and `Via`.' },
    listen: { type: listen('proxy', false), doc: 'Where the proxy listens.' },
    admin: { type: listen('admin', true), doc: 'Optional admin endpoint.' },
    max_body_bytes: {
      type: bodyBytes,
      default: 0,
      doc: "Largest request body a route forwards, in bytes, unless the route sets its own (`0`: no limit, the default: bodies are streamed, never buffered, so size costs the gateway no memory). Answered 413 like nginx's `client_max_body_size`.",
    },
    trust_proxies: {
      type: { kind: 'list', items: str('cidr') },
      default: [],
      doc: 'Peers allowed to set `X-Forwarded-For` / `Forwarded` (client IP, rate-limit keys). From any other peer these headers are replaced.',
    },
    paths: {
      type: {
        kind: 'object',
        title: 'paths',
        id: 'paths',
        doc: 'How the request path is canonicalized, once per request, before matching; the upstream gets the canonical path. A backslash (raw or `%5C`), a NUL or a malformed escape is always rejected (400).',
        fields: {
          escaped_slashes: {
            type: oneOfStrings(['reject', 'keep', 'decode']),
            default: 'reject',
            doc: '`%2F` in a path: `reject` (400; the default, because an upstream that decodes `%2F` later could see a different path than the gateway routed), `keep` it encoded (it never splits a segment), or `decode` it within its segment.',
          },
          merge_slashes: { type: { kind: 'boolean' }, default: true, doc: 'Treat `//` as `/`.' },
          dot_segments: {
            type: oneOfStrings(['resolve', 'reject']),
            default: 'resolve',
            doc: '`.` and `..` segments: `resolve` them (RFC 3986) or `reject` the request (400).',
          },
        },
      },
      doc: 'Path canonicalization policy.',
    },
    versioning: {
      type: {
        kind: 'object',
        title: 'versioning',
        id: 'versioning',
        doc: "Where a request's API version comes from, for routes with `version:`: the header, else a `/v{n}/` path segment, else the default. Without this block only the path segment is read.",
        fields: {
          header: { type: str('header-name'), default: 'X-API-Version', doc: 'Header carrying the version.' },
          default: { type: str('version'), required: true, doc: 'Version of a request that names none.' },
        },
      },
      doc: 'API versioning.',
    },
    services: {
      type: { kind: 'map', keys: 'name', keyDoc: 'service name', values: service },
      default: {},
      doc: 'Upstream services by name.',
    },
    rate_limits: {
      type: { kind: 'map', keys: 'name', keyDoc: 'policy name', values: limitPolicy },
      default: {},
      doc: "Rate-limit policies by name, used by routes' `rate_limit`.",
    },
    redis: {
      type: {
        kind: 'object',
        title: 'redis',
        id: 'redis',
        doc: 'The Redis that `store: redis` policies share their budgets through. The connection is opened on first use.',
        fields: {
          url: { type: str('redis-url'), required: true, doc: 'Where Redis is.' },
          on_error: {
            type: oneOfStrings(['fail-open', 'fail-closed', 'local']),
            default: 'local',
            doc: 'When Redis fails, is unreachable or answers later than `timeout_ms`: `fail-open` admits, `fail-closed` answers 503 `limit-store-unavailable` with `Retry-After: 1`, `local` limits per process meanwhile.',
          },
          timeout_ms: {
            type: ms(1),
            default: 100,
            doc: 'Longest wait for Redis per take; past it `on_error` answers. During an outage takes are answered by `on_error` at once.',
          },
        },
      },
      doc: 'Shared rate-limit store.',
    },
    rate_limit_headers: {
      type: {
        kind: 'object',
        title: 'rate_limit_headers',
        id: 'rate-limit-headers',
        doc: 'Which rate-limit headers responses of limited routes carry. `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` (and `Retry-After` on 429) are always sent.',
        fields: {
          ietf: {
            type: { kind: 'boolean' },
            default: false,
            doc: 'Also send the IETF `RateLimit` / `RateLimit-Policy` pair (draft-ietf-httpapi-ratelimit-headers).',
          },
        },
      },
      doc: 'Rate-limit response headers.',
    },
    observability: { type: observability, doc: 'Access logs, metrics and traces.' },
    routes: { type: { kind: 'list', items: route }, required: true, doc: 'The routes.' },
  },
};

/**
 * Rules that relate several places of a file, checked after the schema, listed here so the
 * reference states them too.
 */
export const CROSS_CHECKS: readonly string[] = [
  'Every service a route names (`service`, `split[].service`) is defined under `services:`; an undefined one is an error that suggests the closest defined name.',
  "Every policy name in a route's `rate_limit` is defined under `rate_limits:`.",
  'A split names each service at most once, and its weights are not all 0.',
  'A service lists each target (scheme, host and port) at most once.',
  'A `jump` consistent-hash service gives no target a weight (jump has equal buckets).',
  '`store: redis` needs the top-level `redis:` block.',
  'Route `headers` may not constrain `x-switchyard-route-version`: the gateway sets it to the resolved version.',
  'Two routes that no request can tell apart (same path shape, host, headers, version and overlapping methods) are an error; so is an invalid path pattern, and a path no canonical request path can have under `paths:` (`/a//b` when slashes are merged, `/a/./b`, an encoded slash when they are rejected).',
  '`listen` and `admin` do not share an address and port.',
  'A route gives its request timeout once: `timeout_ms` or `timeouts.request_ms`, not both.',
];
