import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What the global setup learnt from `diwan serve`: where it listens and the first-run credentials. */
export interface E2eServer {
  loginUrl: string;
  origin: string;
  username: string;
  password: string;
  dataDir: string;
  /** The private nginx the server's websites module manages (test/e2e/serve.ts). */
  nginxPort: number;
  /** Where that nginx's sites keep their files. */
  webRoot: string;
}

export const SERVER_FILE = fileURLToPath(new URL('../../test-results/e2e-server.json', import.meta.url));

export function e2eServer(): E2eServer {
  return JSON.parse(readFileSync(SERVER_FILE, 'utf8')) as E2eServer;
}
