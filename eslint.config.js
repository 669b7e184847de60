// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import i18next from 'eslint-plugin-i18next';
import reactHooks from 'eslint-plugin-react-hooks';
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
  {
    // The SPA runs in the browser, and every word a user reads goes through i18next (en + ar).
    files: ['src/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks, i18next },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'jsx-only',
          // Attributes a user reads or hears; others (variant, path, autoComplete …) are code.
          'jsx-attributes': {
            include: [
              'label',
              'description',
              'title',
              'aria-label',
              'alt',
              'placeholder',
              'message',
              'confirmLabel',
              'error',
              'hint',
            ],
          },
          // fieldError('name') names a form field, whose message comes from errors.field.* in i18n.
          callees: { exclude: ['i18n(ext)?', 't', 'fieldError', 'require', 'includes', 'startsWith'] },
          words: { exclude: ['[0-9!-/:-@[-`{-~—…·]+', '^\\p{Emoji}+$'] },
        },
      ],
    },
  },
);
