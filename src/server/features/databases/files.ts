import { join } from 'node:path';

/**
 * Where database dumps live in the data dir: exports the agent writes for the user to download, and
 * uploads the web tier receives for the agent to import. Shared by both tiers, so pure paths only.
 */
export const exportDirOf = (dataDir: string) => join(dataDir, 'database-exports');
export const uploadDirOf = (dataDir: string) => join(dataDir, 'database-imports');
/** An upload is kept under its id; the agent tells gzip from plain SQL by its first bytes. */
export const uploadPathOf = (dataDir: string, id: string) => join(uploadDirOf(dataDir), `${id}.upload`);
