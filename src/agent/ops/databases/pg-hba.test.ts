import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HBA_BEGIN, HBA_END, managedRoles, renderHba, setRemoteAccess } from './pg-hba.js';

const stock = [
  '# PostgreSQL Client Authentication Configuration File',
  '# TYPE  DATABASE        USER            ADDRESS                 METHOD',
  'local   all             postgres                                peer',
  'local   all             all                                     peer',
  'host    all             all             127.0.0.1/32            scram-sha-256',
  '',
].join('\n');

describe('the managed block of pg_hba.conf', () => {
  it('is appended after everything else, and removed whole: the file comes back byte for byte', () => {
    const on = renderHba(stock, ['shop']);
    expect(on.startsWith(stock)).toBe(true);
    expect(on.slice(stock.length)).toBe(
      [
        HBA_BEGIN,
        'host    all    "shop"    0.0.0.0/0    scram-sha-256',
        'host    all    "shop"    ::/0         scram-sha-256',
        HBA_END,
        '',
      ].join('\n'),
    );
    expect(managedRoles(on)).toEqual(['shop']);
    expect(renderHba(on, [])).toBe(stock);
    expect(renderHba(stock, [])).toBe(stock);
  });

  it('keeps lines the administrator added after the block, and sorts and dedupes roles', () => {
    const withAfter = `${renderHba(stock, ['b'])}# mine\nhost all all 10.0.0.0/8 reject\n`;
    const two = renderHba(withAfter, ['c', 'a', 'c', 'b']);
    expect(managedRoles(two)).toEqual(['a', 'b', 'c']);
    expect(two.endsWith('# mine\nhost all all 10.0.0.0/8 reject\n')).toBe(true);
    expect(renderHba(two, [])).toBe(`${stock}# mine\nhost all all 10.0.0.0/8 reject\n`);
  });

  it('refuses anything but a role name', () => {
    for (const role of ['a"b', 'a\nhost all all 0.0.0.0/0 trust', 'ALL', '"x"'])
      expect(() => renderHba(stock, [role]), role).toThrow(TypeError);
  });

  it('puts the old file back and does not reload when the server finds the new one wrong', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'diwan-hba-')), 'pg_hba.conf');
    writeFileSync(path, stock);
    const reloads: string[] = [];
    const target = {
      file: async () => path,
      errors: async () => ['line 9: invalid authentication method'],
      reload: async () => void reloads.push('reload'),
    };
    await expect(setRemoteAccess(target, { enable: ['shop'] })).rejects.toMatchObject({
      code: 'DIWAN_E_HOST_COMMAND',
    });
    expect(readFileSync(path, 'utf8')).toBe(stock);
    expect(reloads).toEqual([]);

    await setRemoteAccess({ ...target, errors: async () => [] }, { enable: ['shop'] });
    expect(managedRoles(readFileSync(path, 'utf8'))).toEqual(['shop']);
    expect(reloads).toEqual(['reload']);
  });
});
