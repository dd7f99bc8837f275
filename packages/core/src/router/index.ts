export { canonicalizePath, Router } from './router.js';
export type * from './types.js';
