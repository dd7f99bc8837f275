import { Router as CoreRouter } from '@switchyard/core';
import { nativeBinding } from '../implementation.js';
import { NativeRouter } from './native-router.js';

/**
 * The route matcher: `Router` of `@switchyard/core` (same API, types and semantics, see its TSDoc
 * and docs/router-spec.md), backed by the native core when it is loaded (`NativeRouter`),
 * else the reference class itself.
 */
export const Router: typeof CoreRouter = (nativeBinding === null ? CoreRouter : NativeRouter) as typeof CoreRouter;
/** A {@link Router} instance. */
export type Router<T> = CoreRouter<T>;
