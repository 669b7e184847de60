import { describe, expect, it } from 'vitest';
import { formatBytes } from './format.js';

describe('formatBytes', () => {
  it('words bytes in full below a kilobyte, and abbreviates above', () => {
    expect(formatBytes(812, 'en')).toBe('812 bytes');
    expect(formatBytes(812, 'ar')).toContain('بايت');
    expect(formatBytes(8.1 * 1024, 'en')).toBe('8.1 kB');
  });
});
