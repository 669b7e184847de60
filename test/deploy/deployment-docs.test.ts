import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownVariables } from '../../src/server/config/load.js';

// docs/deployment.md and its Arabic twin: every setting documented, and the same content in both
// (the same sections and, comments aside, the very same commands).

const english = readFileSync(new URL('../../docs/deployment.md', import.meta.url), 'utf8');
const arabic = readFileSync(new URL('../../docs/deployment.ar.md', import.meta.url), 'utf8');

function codeBlocks(text: string): string[] {
  return [...text.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) =>
    m[1]!
      .split('\n')
      .map((line) => line.replace(/\s+#(?!!)\s.*$/, '').trimEnd())
      .join('\n'),
  );
}

describe('the deployment documentation', () => {
  it('describes every DIWAN_ setting of the config factory, in both languages', () => {
    for (const variable of knownVariables) {
      expect(english, variable).toContain(`| \`${variable}\``);
      expect(arabic, variable).toContain(`| \`${variable}\``);
    }
  });

  it('has the same sections and the same commands in Arabic as in English', () => {
    const sections = (text: string) => text.split('\n').filter((line) => /^#{1,3} /.test(line)).length;
    expect(sections(arabic)).toBe(sections(english));
    const blocks = codeBlocks(english);
    expect(blocks.length).toBeGreaterThan(10);
    expect(codeBlocks(arabic)).toEqual(blocks);
    expect(arabic).toContain('<div dir="rtl" lang="ar">');
  });

  it('names only files that exist', () => {
    for (const text of [english, arabic]) {
      for (const [, path] of text.matchAll(/`(deploy\/[\w./@-]+)`/g)) {
        expect(existsSync(new URL(`../../${path}`, import.meta.url)), path).toBe(true);
      }
    }
  });
});
