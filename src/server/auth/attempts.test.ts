import { describe, expect, it } from 'vitest';
import { addressKey } from './attempts.js';

describe('addressKey', () => {
  it('keys IPv4 by address, IPv4-mapped as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('ip:203.0.113.9');
    expect(addressKey('2001:db8::1')).toBe('ip:2001:db8:0:0::/64');
    expect(addressKey('2001:0db8:0000:0000:ffff::1')).toBe('ip:2001:db8:0:0::/64');
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe('ip:2001:db8:1:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe('ip:fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('ip:0:0:0:0::/64');
  });
});
