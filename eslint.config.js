// Lint: typescript-eslint with type information (no-floating-promises needs it), and the
// rule that keeps workflow code deterministic: a workflow file imports only the workflow SDK,
// other workflow files, and *types* from anywhere else.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'src/db/generated/', '.data/', '.temporal/', 'dist/', 'test/replay/histories/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bin/*.mjs', 'scripts/*.mjs', 'src/temporal/*.cjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        __dirname: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox and is replayed: no Node built-ins,
    // and nothing at runtime from the worker's side of the house (src/, activities/).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code runs in the deterministic sandbox: no Node built-ins' },
            {
              group: ['../src/*', '../../src/*', '../activities/*', '../../activities/*'],
              allowTypeImports: true,
              message: 'workflows import only types from src/ and activities/',
            },
          ],
          paths: ['fs', 'path', 'crypto', 'os', 'http', 'https', 'net', 'child_process', 'url', 'util', 'events', 'stream', 'zlib'].map((name) => ({
            name,
            message: 'workflow code runs in the deterministic sandbox: no Node built-ins',
          })),
        },
      ],
    },
  },
  {
    // Domain code is the business's rules, pure: it never reaches the database or the API (the
    // inventory module, src/inventory/, holds what reads and writes rows), not even for a type.
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/db', '**/db/**', '**/generated/**', '@prisma/*', '.prisma/*', 'pg'],
              message: 'domain code is pure: no database (put queries and row writes in src/inventory/)',
            },
            { group: ['**/api', '**/api/**'], message: 'domain code is pure: it does not import the API (the API imports the domain)' },
            { group: ['**/inventory', '**/inventory/**'], message: 'domain code is pure: the inventory module imports the domain, not the other way' },
          ],
        },
      ],
    },
  },
);
