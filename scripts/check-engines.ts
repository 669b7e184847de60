/**
 * Fails when an installed package declares an `engines.node` range that excludes Node 20.19, the
 * oldest Node Diwan supports. Latest majors of several dependencies dropped Node 20; npm only warns.
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';

const SUPPORTED = '20.19.0';
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; dev?: boolean }>;
};
const offenders = Object.entries(lock.packages)
  .filter(([path, entry]) => path !== '' && !Array.isArray(entry.engines) && entry.engines?.node)
  .filter(
    ([, entry]) =>
      !semver.satisfies(SUPPORTED, (entry.engines as { node: string }).node, { includePrerelease: true }),
  )
  .map(
    ([path, entry]) =>
      `${path.replace(/^.*node_modules\//, '')}@${entry.version} needs node ${(entry.engines as { node: string }).node}`,
  );
if (offenders.length > 0) {
  console.error(`These packages do not support Node ${SUPPORTED}:\n  ${offenders.join('\n  ')}`);
  process.exit(1);
}
console.log(`engines: every package supports Node ${SUPPORTED}`);
