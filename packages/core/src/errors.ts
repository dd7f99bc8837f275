/**
 * Every error Switchyard throws is an instance of {@link SwitchyardError} with a stable `code`,
 * so callers can branch on `err.code` without parsing messages. The same classes are thrown by
 * `@switchyard/core` and `@switchyard/node` (the node package re-exports these); how a native
 * error becomes one of these classes is in docs/architecture.md ("Errors").
 */

/** Stable machine-readable codes, one per error class. */
export const ErrorCodes = {
  invalidRoute: 'SWITCHYARD_INVALID_ROUTE',
  routeConflict: 'SWITCHYARD_ROUTE_CONFLICT',
  invalidArgument: 'SWITCHYARD_INVALID_ARGUMENT',
  config: 'SWITCHYARD_CONFIG',
  emptyNodeSet: 'SWITCHYARD_EMPTY_NODE_SET',
  unknownNode: 'SWITCHYARD_UNKNOWN_NODE',
  nativeUnavailable: 'SWITCHYARD_NATIVE_UNAVAILABLE',
  internal: 'SWITCHYARD_INTERNAL',
  storeTimeout: 'SWITCHYARD_STORE_TIMEOUT',
  storeUnavailable: 'SWITCHYARD_STORE_UNAVAILABLE',
} as const;

/** One of the values of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error Switchyard throws. */
export class SwitchyardError extends Error {
  /** Stable code; see {@link ErrorCodes}. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A route spec that cannot be compiled: bad path syntax, a rejected pattern, a bad option. */
export class InvalidRouteError extends SwitchyardError {
  /** Index the route would have had (the number of routes added before it). */
  readonly routeIndex: number;
  /** The path of the offending spec, as given. */
  readonly path: string;

  constructor(routeIndex: number, path: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCodes.invalidRoute, `invalid route #${routeIndex} ${JSON.stringify(path)}: ${reason}`, options);
    this.routeIndex = routeIndex;
    this.path = path;
  }
}

/** Two routes that no request could ever tell apart. Names both. */
export class RouteConflictError extends SwitchyardError {
  /** Index of the route being added. */
  readonly routeIndex: number;
  /** Index of the route already in the table that it conflicts with. */
  readonly existingIndex: number;

  constructor(routeIndex: number, path: string, existingIndex: number, existingPath: string) {
    super(
      ErrorCodes.routeConflict,
      `route #${routeIndex} ${JSON.stringify(path)} conflicts with route #${existingIndex} ${JSON.stringify(existingPath)}: no request can tell them apart`,
    );
    this.routeIndex = routeIndex;
    this.existingIndex = existingIndex;
  }
}

/** An argument or option outside its documented domain (a negative capacity, NaN, ...). */
export class InvalidArgumentError extends SwitchyardError {
  /** Name of the argument or option, e.g. `capacity` or `options.maxParamLength`. */
  readonly argument: string;

  constructor(argument: string, reason: string) {
    super(ErrorCodes.invalidArgument, `invalid ${argument}: ${reason}`);
    this.argument = argument;
  }
}

/** One problem found in a configuration: where (when known) and what was expected. */
export interface ConfigProblem {
  /** File it was found in; `undefined` for a configuration given as an object. */
  readonly file: string | undefined;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** 1-based column, when known. */
  readonly col: number | undefined;
  /** What was wrong and what was expected, starting with the key path (`routes[2].service: ...`). */
  readonly message: string;
}

/**
 * A configuration file or object that cannot be used; says where (file, line, column) when known.
 * A configuration with several problems is reported in one error that lists them all in
 * {@link ConfigError.problems}, so a user fixes a file in one pass instead of one error per run.
 */
export class ConfigError extends SwitchyardError {
  /** File the error was found in, when the configuration came from a file. */
  readonly file: string | undefined;
  /** 1-based line, when known. */
  readonly line: number | undefined;
  /** 1-based column, when known. */
  readonly col: number | undefined;
  /** Every problem found, in file order; one entry (this error's own) when built from a message. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    message: string,
    where: { file?: string; line?: number; col?: number; problems?: readonly ConfigProblem[] } = {},
    options?: { cause?: unknown },
  ) {
    // A list of problems already says where each one is; a single problem gets its place appended.
    const listed = where.problems !== undefined && where.problems.length > 0;
    const at =
      where.file && !listed
        ? ` (${where.file}${where.line ? `:${where.line}${where.col ? `:${where.col}` : ''}` : ''})`
        : '';
    super(ErrorCodes.config, `${message}${at}`, options);
    this.file = where.file;
    this.line = where.line;
    this.col = where.col;
    this.problems = listed
      ? (where.problems as readonly ConfigProblem[])
      : [{ file: where.file, line: where.line, col: where.line ? where.col : undefined, message }];
  }
}

/** A balancer asked to pick from no nodes (none configured, or all skipped). */
export class EmptyNodeSetError extends SwitchyardError {
  constructor(message = 'no node to pick from: the node set is empty') {
    super(ErrorCodes.emptyNodeSet, message);
  }
}

/** A node id that is not in the node set. */
export class UnknownNodeError extends SwitchyardError {
  /** The id that was not found. */
  readonly nodeId: string;

  constructor(nodeId: string) {
    super(ErrorCodes.unknownNode, `unknown node ${JSON.stringify(nodeId)}`);
    this.nodeId = nodeId;
  }
}

/** `SWITCHYARD_IMPLEMENTATION=native` was set but the native addon could not be loaded. */
export class NativeUnavailableError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.nativeUnavailable, message, options);
  }
}

/** A bug: the native core panicked or broke an invariant. The process keeps running. */
export class InternalError extends SwitchyardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCodes.internal, message, options);
  }
}

/**
 * A shared store (Redis, for `RedisRateLimiter`) did not answer within its time budget. The
 * limiter answers such a take by its failure mode and reports this error in its `state`.
 */
export class StoreTimeoutError extends SwitchyardError {
  /** Which store: `"Redis"`. */
  readonly store: string;
  /** The budget that was exceeded, in ms. */
  readonly timeoutMs: number;

  constructor(store: string, timeoutMs: number) {
    super(ErrorCodes.storeTimeout, `${store} did not answer within ${timeoutMs} ms`);
    this.store = store;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * A shared store failed: the client raised an error (connection refused, a command error) or the
 * reply was not what the script returns. The store's own error, when there is one, is `cause`.
 */
export class StoreUnavailableError extends SwitchyardError {
  /** Which store: `"Redis"`. */
  readonly store: string;

  constructor(store: string, reason: string, options?: { cause?: unknown }) {
    super(ErrorCodes.storeUnavailable, `${store} failed: ${reason}`, options);
    this.store = store;
  }
}
