import { BlockList, isIP } from 'node:net';

/** True when `ip` is one of, or inside one of, the addresses and CIDR ranges listed. */
export function ipAllowed(ip: string, allowed: readonly string[]): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const entry of allowed) {
    const [base, prefix] = entry.split('/');
    if (!base) continue;
    const entryFamily = isIP(base) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(base, entryFamily);
    else list.addSubnet(base, Number(prefix), entryFamily);
  }
  return list.check(address, family);
}
