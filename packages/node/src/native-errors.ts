import {
  EmptyNodeSetError,
  ErrorCodes,
  InternalError,
  InvalidArgumentError,
  InvalidRouteError,
  RouteConflictError,
  type SwitchyardError,
  UnknownNodeError,
} from '@switchyard/core';
import { LAYOUT } from './layout.js';

const FIELD_SEPARATOR = String.fromCharCode(LAYOUT.errorFieldSeparator);

/** Context the wrapper knows and the native error does not (which route was being added). */
export interface NativeErrorContext {
  routeIndex?: number;
  path?: string;
  /** Looks up the path of an existing route by index, for conflict messages. */
  pathOf?: (index: number) => string;
}

/**
 * Turns an error thrown by the native binding (message `CODE\x1ffield...`, see
 * crates/switchyard-napi/src/toolkit/errors.rs) into the typed error `@switchyard/core` would throw.
 * Anything else (a napi conversion error, say) becomes an {@link InternalError} with the original
 * as `cause`.
 * @internal
 */
export function fromNativeError(error: unknown, context: NativeErrorContext = {}): SwitchyardError {
  const message = error instanceof Error ? error.message : String(error);
  const [code, ...fields] = message.split(FIELD_SEPARATOR);
  const f = (i: number) => fields[i] ?? '';
  switch (code) {
    case ErrorCodes.invalidArgument:
      return new InvalidArgumentError(f(0), f(1));
    case ErrorCodes.invalidRoute:
      return new InvalidRouteError(context.routeIndex ?? -1, context.path ?? '', f(0));
    case ErrorCodes.routeConflict: {
      const existing = Number(f(0));
      return new RouteConflictError(
        context.routeIndex ?? -1,
        context.path ?? '',
        existing,
        context.pathOf?.(existing) ?? '',
      );
    }
    case ErrorCodes.emptyNodeSet:
      return new EmptyNodeSetError(f(0) || undefined);
    case ErrorCodes.unknownNode:
      return new UnknownNodeError(f(0));
    case ErrorCodes.internal:
      return new InternalError(f(0), { cause: error });
    default:
      return new InternalError(`unexpected error from the native core: ${message}`, { cause: error });
  }
}
