// Type of ../../../ioredis.cjs, reached through the package's "#ioredis" subpath import.
declare module '#ioredis' {
  /** Requires ioredis; throws when it is not installed. */
  const loadIoredis: () => unknown;
  export default loadIoredis;
}
