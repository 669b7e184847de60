// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "Property[key.name='shell'][value.value=true]",
          message: 'No shell, ever: start processes with an argv array (src/agent/system/exec.ts).',
        },
      ],
    },
  },
  {
    // The web tier, the contract and the CLI never start processes: only src/agent/ touches the host.
    files: ['src/**/*.ts'],
    ignores: ['src/agent/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:child_process', message: 'Only src/agent/ may start processes.' },
            { name: 'child_process', message: 'Only src/agent/ may start processes.' },
          ],
        },
      ],
    },
  },
);
