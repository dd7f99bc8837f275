// Type of ../native.cjs, reached through the package's "#native" subpath import.
declare module '#native' {
  const loaded: { binding: unknown; loadError: unknown; requested: string | undefined; packageVersion: string };
  export default loaded;
}
