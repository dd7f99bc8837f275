import {
  type Contracts,
  Router as CoreRouter,
  canonicalizePath as coreCanonicalizePath,
  type RouterOptions,
} from '@switchyard/core';
import type { NativeBinding } from '../binding.js';
import { choose } from '../implementation.js';
import { NativeRouter, nativeCanonicalizePath } from './native-router.js';

/** The native-backed `Router` class over `binding`, with `@switchyard/core`'s constructor. @internal */
export function nativeRouter(binding: NativeBinding): Contracts.RouterConstructor {
  return class Router<T> extends NativeRouter<T> {
    constructor(options?: RouterOptions) {
      super(binding, options);
    }
  };
}

/**
 * The route matcher: `Router` of `@switchyard/core` (same API, types and semantics, see its TSDoc
 * and docs/router-spec.md), backed by the native core when it is loaded (`NativeRouter`),
 * else the reference class itself.
 */
export const Router: Contracts.RouterConstructor = choose<Contracts.RouterConstructor>(CoreRouter, nativeRouter);
/** A {@link Router} instance. */
export type Router<T> = Contracts.Router<T>;

/**
 * The canonical form of a request path: `canonicalizePath` of `@switchyard/core` (same contract,
 * see its TSDoc and docs/router-spec.md §4.1), computed by the native core when it is loaded,
 * else the reference function itself.
 */
export const canonicalizePath: Contracts.CanonicalizePath = choose<Contracts.CanonicalizePath>(
  coreCanonicalizePath,
  nativeCanonicalizePath,
);
