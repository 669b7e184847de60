import type { ConfigIssue } from './types.js';

/**
 * Parses a `KEY=VALUE` file in the dotenv/systemd EnvironmentFile style: blank lines and `#` comments
 * are skipped, an optional `export ` prefix is allowed, values may be wrapped in single or double quotes.
 * Nothing is expanded: `$X` stays `$X`, so a secret with a dollar sign survives as written.
 */
export function parseEnvFile(
  text: string,
  fileName: string,
): { values: Record<string, string>; issues: ConfigIssue[] } {
  const values: Record<string, string> = {};
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      issues.push({ variable: `${fileName}:${index + 1}`, message: 'expected KEY=VALUE' });
      return;
    }
    const [, key, rawValue] = match as unknown as [string, string, string];
    values[key] = unquote(rawValue);
  });
  return { values, issues };
}

function unquote(value: string): string {
  const quote = value[0];
  if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
    const inner = value.slice(1, -1);
    return quote === '"' ? inner.replace(/\\(["\\])/g, '$1') : inner;
  }
  // An unquoted value may carry a trailing comment: `DIWAN_PORT=8686 # panel port`.
  return value.replace(/\s+#.*$/, '');
}
