import { describe, expect, it } from 'vitest';
import { parseRedisConfig, withRequirePass } from './config.js';

const stock = [
  '# Redis configuration file example.',
  'bind 127.0.0.1 -::1',
  'port 6380',
  '# requirepass foobared',
  'save 3600 1',
  'save 300 100',
  'appendonly no',
  '',
].join('\n');

describe('redis.conf', () => {
  it('reads where Redis listens, its password and persistence', () => {
    expect(parseRedisConfig(stock)).toEqual({
      host: '127.0.0.1',
      port: 6380,
      password: null,
      saves: ['3600 1', '300 100'],
      appendOnly: false,
    });
    expect(parseRedisConfig('bind 0.0.0.0\nrequirepass "Abc-defgh-1234"\nappendonly yes\nsave ""\n')).toEqual(
      {
        host: '127.0.0.1',
        port: 6379,
        password: 'Abc-defgh-1234',
        saves: [],
        appendOnly: true,
      },
    );
  });

  it('appends requirepass and keeps every other byte, comments included', () => {
    const next = withRequirePass(stock, 'Abc-defgh-1234');
    expect(next).toBe(`${stock}requirepass "Abc-defgh-1234"\n`);
    expect(withRequirePass('port 1', 'Abc-defgh-1234')).toBe('port 1\nrequirepass "Abc-defgh-1234"\n');
  });

  it('replaces the first requirepass in place and drops later ones', () => {
    const text = 'port 1\nrequirepass old-one\n# x\nrequirepass  other\n';
    expect(withRequirePass(text, 'Abc-defgh-1234')).toBe('port 1\nrequirepass "Abc-defgh-1234"\n# x\n');
  });

  it('refuses a password that would need escaping', () => {
    for (const password of ['Abc-defgh-1234"', 'Abc defgh 1234', 'Abc-defgh\n1234', 'short'])
      expect(() => withRequirePass(stock, password), password).toThrow(TypeError);
  });
});
