import { BlockList, isIP } from 'node:net';

/**
 * Compiles a list of addresses and CIDR ranges once into a matcher; IPv4-mapped IPv6 peers
 * (`::ffff:10.1.2.3`, as Node reports IPv4 clients on a dual-stack socket) match their IPv4 form.
 */
export function ipMatcher(allowed: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const entry of allowed) {
    const [base, prefix] = entry.split('/');
    if (!base) continue;
    const family = isIP(base) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(base, family);
    else list.addSubnet(base, Number(prefix), family);
  }
  return (ip) => {
    const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** True when `ip` is one of, or inside one of, the addresses and CIDR ranges listed. */
export function ipAllowed(ip: string, allowed: readonly string[]): boolean {
  return ipMatcher(allowed)(ip);
}
