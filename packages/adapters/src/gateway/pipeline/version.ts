/**
 * Step 3 of the pipeline: which API version a request asks for. The version is resolved from the
 * canonical path and the headers before the router runs, because versioned routes are told apart
 * by the router itself (an `equals` constraint on {@link VERSION_CONSTRAINT_HEADER}).
 * @module
 */
import { type HeaderMap, VERSION_CONSTRAINT_HEADER } from '../types.js';

/** Where a resolved version came from. */
export type VersionSource = 'header' | 'path' | 'default' | 'none';

/** The version a request asks for, and why. */
export interface ResolvedVersion {
  /** `undefined` when neither the header, the path nor a default names one. */
  version: string | undefined;
  source: VersionSource;
}

const DIGITS = /^[0-9]+$/;
const V_DIGITS = /^[vV][0-9]+$/;

/**
 * The canonical spelling of a version: `2`, `v2` and `V2` are all `v2`, so a header written either
 * way and a `/v2/` path segment name the same version. Anything else (`2024-06-01`, `beta`) is
 * kept as written, trimmed. The config compiler uses the same function on a route's `version:`.
 */
export function normalizeVersion(value: string): string {
  const v = value.trim();
  if (DIGITS.test(v)) return `v${v}`;
  if (V_DIGITS.test(v)) return `v${v.slice(1)}`;
  return v;
}

/** The first `/v{n}/` segment of a canonical path (the last segment counts too), e.g. `v2`. */
export function versionFromPath(path: string): string | undefined {
  let start = 1;
  while (start <= path.length) {
    let end = path.indexOf('/', start);
    if (end < 0) end = path.length;
    // Cheap pre-check on the first byte before the regex: most segments are not versions.
    const c = path.charCodeAt(start);
    if ((c === 0x76 || c === 0x56) && end - start > 1 && V_DIGITS.test(path.slice(start, end))) {
      return `v${path.slice(start + 1, end)}`;
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * Resolves the version: the `versioning.header` (when configured and non-empty; several values
 * are not a version and are ignored), then the first `/v{n}/` segment of the canonical path, then
 * `versioning.default`. Without a `versioning:` block only the path counts.
 */
export function resolveVersion(
  path: string,
  headers: HeaderMap,
  versioning: { header: string; default: string } | undefined,
): ResolvedVersion {
  if (versioning) {
    const raw = headers[versioning.header.toLowerCase()];
    if (typeof raw === 'string') {
      const v = normalizeVersion(raw);
      if (v !== '') return { version: v, source: 'header' };
    }
  }
  const fromPath = versionFromPath(path);
  if (fromPath !== undefined) return { version: fromPath, source: 'path' };
  if (versioning && versioning.default !== '')
    return { version: normalizeVersion(versioning.default), source: 'default' };
  return NO_VERSION;
}

/** No version: the answer for most requests of a gateway without versions; one object, never changed. */
export const NO_VERSION: ResolvedVersion = Object.freeze({ version: undefined, source: 'none' });

/**
 * The header map the router sees: the request's, with {@link VERSION_CONSTRAINT_HEADER} set to
 * the resolved version or removed, whatever the client sent under that name. A copy: the front
 * door's map is not touched.
 */
export function routerHeaders(headers: HeaderMap, version: string | undefined): HeaderMap {
  const out: HeaderMap = { ...headers };
  if (version === undefined) delete out[VERSION_CONSTRAINT_HEADER];
  else out[VERSION_CONSTRAINT_HEADER] = version;
  return out;
}
