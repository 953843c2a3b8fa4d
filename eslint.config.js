// ESLint flat config (a tool that requires its own file at the top level).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/**', 'coverage/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  // The architecture (README "Architecture"): who may import whom.
  {
    files: ['server/routes/**/*.ts', 'server/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)db/',
              message:
                'Routes call services (passed in by createApp), never storage in server/db/.',
            },
            {
              regex: '^\\./[^/]*-routes(\\.ts)?$',
              message: 'Route modules never import each other: share through server/web.ts.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'express', message: 'Services know nothing of HTTP: they return codes.' },
            { name: 'express-session', message: 'Services know nothing of sessions.' },
            { name: 'hono', message: 'Services know nothing of HTTP: they return codes.' },
          ],
          patterns: [
            {
              regex: '(^|/)(render|routes|middleware|api)/|(^|/)web\\.ts$|(^|/)app\\.ts$',
              message: 'Services return codes and dates; pages, words and HTTP live outside them.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['server/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(services|demo|cli|jobs|routes|render|middleware)/|(^|/)web\\.ts$',
              message: 'Storage knows no rules and no tools: server/db/ imports only server/db/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['describe', 'it', 'context', 'specify'].map((object) => ({
          object,
          property: 'only',
          message: 'A leftover .only would run a part of the suite and call it a pass.',
        })),
      ],
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
)
