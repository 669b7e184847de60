import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { agentOps } from '../../../contract/agent-ops.js';
import { softwareActions } from '../../../contract/software.js';
import { auditActionLabel } from './action-label.js';

/** The code that writes audit entries: the web tier, the agent and the command line (tests aside). */
const WRITERS = import.meta.glob(
  ['../../../server/**/*.ts', '../../../agent/**/*.ts', '../../../cli/**/*.ts', '!../../../**/*.test.ts'],
  { query: '?raw', import: 'default', eager: true },
) as Record<string, string>;

/**
 * What a built action can be, by its template in the code; a new template fails the test until it
 * is taught here where its values come from.
 */
const TEMPLATES: Record<string, readonly string[]> = {
  'software.${action}': softwareActions,
  'agent.${op}': Object.keys(agentOps),
};

/**
 * Every action the server can write to the audit log, read from the code: a route's
 * `config: { audit: '…' }`, an `action: '…'` given to the audit log, and the command line's
 * `consoleAudit(services, '…')`.
 */
function writtenActions(): string[] {
  const actions = new Set<string>();
  const unknown: string[] = [];
  const patterns = [
    /\baudit:\s*(['`])([^'`\n]+)\1/g,
    /\baction:\s*(['`])([^'`\n]+)\1/g,
    /\bconsoleAudit\(\s*\w+,\s*(['`])([^'`\n]+)\1/g,
  ];
  for (const [file, text] of Object.entries(WRITERS)) {
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const action = match[2]!;
        const values = TEMPLATES[action];
        if (!action.includes('${')) actions.add(action);
        else if (values) for (const value of values) actions.add(action.replace(/\$\{\w+\}/, value));
        else unknown.push(`${action} (${file})`);
      }
    }
  }
  expect(unknown, 'built actions this test cannot expand').toEqual([]);
  return [...actions].sort();
}

describe('audit actions', () => {
  const actions = writtenActions();

  it('finds the actions the server writes', () => {
    // Not vacuous: one of each kind of writer.
    for (const action of [
      'auth.login',
      'token.create',
      'software.stop',
      'auth.unlock',
      'agent.software.install',
    ])
      expect(actions).toContain(action);
  });

  it('names every one of them in English and in Arabic', () => {
    const english = i18next.getFixedT('en');
    const arabic = i18next.getFixedT('ar');
    const unnamed = actions.filter((action) => {
      const inEnglish = auditActionLabel(english, action);
      const inArabic = auditActionLabel(arabic, action);
      // Without words the label is the action itself, and Arabic without its own falls back to English.
      return inEnglish === action || inArabic === action || !/[\u0600-\u06FF]/.test(inArabic);
    });
    expect(unnamed).toEqual([]);
  });

  it('names a call the agent refused after its operation', () => {
    expect(auditActionLabel(i18next.getFixedT('en'), 'agent.databases.drop')).toBe(
      'The agent refused a call without a valid credential (databases.drop)',
    );
  });
});
