import { InvalidArgumentError, NativeUnavailableError } from '@switchyard/core';
import loaded from '#native';
import type { NativeBinding } from './binding.js';

/** Which implementation backs this package's primitives. */
export type Implementation = 'native' | 'fallback';

function decide(): { implementation: Implementation; binding: NativeBinding | null } {
  const { requested, loadError } = loaded;
  if (requested !== undefined && requested !== '' && requested !== 'native' && requested !== 'fallback') {
    throw new InvalidArgumentError(
      'SWITCHYARD_IMPLEMENTATION',
      `expected "native" or "fallback", got ${JSON.stringify(requested)}`,
    );
  }
  if (requested === 'fallback') return { implementation: 'fallback', binding: null };
  if (loaded.binding) return { implementation: 'native', binding: loaded.binding as NativeBinding };
  if (requested === 'native') {
    throw new NativeUnavailableError(
      `SWITCHYARD_IMPLEMENTATION=native but the native addon could not be loaded: ${String((loadError as Error | null)?.message ?? loadError)}`,
      { cause: loadError },
    );
  }
  return { implementation: 'fallback', binding: null };
}

const decided = decide();

/**
 * `'native'` when the Rust core was loaded, `'fallback'` when this package runs the
 * `@switchyard/core` reference instead (addon missing or built for another ABI, or
 * `SWITCHYARD_IMPLEMENTATION=fallback`). Set `SWITCHYARD_IMPLEMENTATION=native` to make a
 * missing addon an error at import time instead of a silent fallback.
 */
export const implementation: Implementation = decided.implementation;

/** Why the native addon did not load, when it did not (`undefined` when it did or was not tried). */
export const nativeLoadError: unknown = loaded.loadError ?? undefined;

/** The loaded binding, or `null` when running the fallback. Internal. */
export const nativeBinding: NativeBinding | null = decided.binding;
