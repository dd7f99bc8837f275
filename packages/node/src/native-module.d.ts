// Type of ../native.cjs, reached through the package's "#native" subpath import.
declare module '#native' {
  /** One place a native addon may be: a label for messages, and how to require it. */
  interface Candidate {
    label: string;
    load(): unknown;
  }
  const loaded: {
    candidates: Candidate[];
    requested: string | undefined;
    packageVersion: string;
    target: string;
    platformPackage: string;
  };
  export default loaded;
}
