import { Router as CoreRouter, canonicalizePath as coreCanonicalizePath } from '@switchyard/core';
import { nativeBinding } from '../implementation.js';
import { NativeRouter, canonicalizePath as nativeCanonicalizePath } from './native-router.js';

/**
 * The route matcher: `Router` of `@switchyard/core` (same API, types and semantics, see its TSDoc
 * and docs/router-spec.md), backed by the native core when it is loaded ({@link NativeRouter}),
 * else the reference class itself.
 */
export const Router: typeof CoreRouter = (nativeBinding === null ? CoreRouter : NativeRouter) as typeof CoreRouter;
/** A {@link Router} instance. */
export type Router<T> = CoreRouter<T>;

/**
 * The canonical form of a request path: `canonicalizePath` of `@switchyard/core` (same contract,
 * docs/router-spec.md §4.1), computed by the native core when it is loaded.
 */
export const canonicalizePath: typeof coreCanonicalizePath =
  nativeBinding === null ? coreCanonicalizePath : nativeCanonicalizePath;
