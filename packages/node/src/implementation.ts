import { InvalidArgumentError, NativeUnavailableError } from '@switchyard/core';
import loaded from '#native';
import type { NativeBinding } from './binding.js';
import { layoutMismatch } from './layout.js';

/** Which implementation backs this package's primitives. */
export type Implementation = 'native' | 'fallback';

/**
 * The loader handshake: why the loaded addon cannot serve this package (an addon built from
 * other sources than this package's: another version, or another data layout), or `null`.
 */
function refusal(binding: unknown, packageVersion: string): string | null {
  const candidate = binding as Partial<NativeBinding>;
  if (typeof candidate.version !== 'function' || typeof candidate.layout !== 'function') {
    return 'it does not report its version and data layout (an addon older than this package)';
  }
  let version: unknown;
  let layout: Record<string, unknown>;
  try {
    version = candidate.version();
    layout = candidate.layout();
  } catch (error) {
    return `its version and layout exports failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (version !== packageVersion) {
    return `it is version ${JSON.stringify(version)}, this package ${JSON.stringify(packageVersion)}`;
  }
  const mismatch = layoutMismatch(layout);
  return mismatch === null ? null : `its data layout differs from this package's: ${mismatch}`;
}

interface Decision {
  implementation: Implementation;
  binding: NativeBinding | null;
  loadError: unknown;
}

function decide(): Decision {
  const { requested, packageVersion } = loaded;
  if (requested !== undefined && requested !== '' && requested !== 'native' && requested !== 'fallback') {
    throw new InvalidArgumentError(
      'SWITCHYARD_IMPLEMENTATION',
      `expected "native" or "fallback", got ${JSON.stringify(requested)}`,
    );
  }
  if (requested === 'fallback') return { implementation: 'fallback', binding: null, loadError: undefined };
  let loadError: unknown = loaded.loadError ?? undefined;
  if (loaded.binding) {
    const why = refusal(loaded.binding, packageVersion);
    if (why === null) return { implementation: 'native', binding: loaded.binding as NativeBinding, loadError };
    loadError = new NativeUnavailableError(
      `the native addon (packages/node/switchyard.node) was built from other sources than @switchyard/node ${packageVersion}: ${why}; rebuild it (node packages/node/build-native.mjs)`,
    );
  }
  if (requested === 'native') {
    const reason = loadError instanceof Error ? loadError.message : String(loadError);
    throw new NativeUnavailableError(
      `SWITCHYARD_IMPLEMENTATION=native but the native addon could not be used: ${reason}`,
      { cause: loadError },
    );
  }
  return { implementation: 'fallback', binding: null, loadError };
}

const decided = decide();

/**
 * `'native'` when the Rust core was loaded, `'fallback'` when this package runs the
 * `@switchyard/core` reference instead (addon missing, built for another ABI or from other
 * sources than this package, or `SWITCHYARD_IMPLEMENTATION=fallback`). Set
 * `SWITCHYARD_IMPLEMENTATION=native` to make an unusable addon an error at import time instead of
 * a silent fallback.
 */
export const implementation: Implementation = decided.implementation;

/**
 * Why the native addon is not used, when it is not: the load error, or a
 * `NativeUnavailableError` saying how the addon differs from this package (`undefined` when it is
 * used or was not tried).
 */
export const nativeLoadError: unknown = decided.loadError;

/** The loaded binding, or `null` when running the fallback. @internal */
export const nativeBinding: NativeBinding | null = decided.binding;

/**
 * The one place that chooses an implementation: the native-backed one, made by `native` over the
 * loaded binding, or else `reference` itself. Every primitive of this package is exported
 * through it.
 * @internal
 */
export function choose<T>(reference: T, native: (binding: NativeBinding) => T): T {
  return decided.binding === null ? reference : native(decided.binding);
}
