export { loadConfig, knownVariables, packageRoot, DEFAULT_PORT, MIN_SECRET_BYTES } from './load.js';
export type { LoadOptions, LoadResult } from './load.js';
export { describeConfig, formatIssues } from './describe.js';
export { prepareDataDir } from './data-dir.js';
export { detectEnvironment, isSourceCheckout } from './environment.js';
export type * from './types.js';
