// ESLint with typescript-eslint's type-checked rules. Each TypeScript file is linted with the tsconfig.json
// nearest to it (projectService), so extension/, engine/, protocol/, webview/, test/, bench/ and scripts/
// are each checked against their own runtime's types and libraries.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'out/', 'node_modules/', '.cache/', 'artifacts/', 'runs/', 'bench/results/'] },
  eslint.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // The four rules that catch real bugs here, spelled out so that no later preset change turns them off.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test()/describe()/it() return promises that the runner itself awaits and reports;
          // awaiting each one in the test files would change nothing.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      // Numbers in messages read fine as JavaScript prints them; where precision matters the code formats
      // them itself. Other types (objects, undefined, unions) must still be turned into text explicitly.
      // `() => voidCall()` is the usual shorthand for a callback; the rule still flags a void value that is
      // assigned, returned from a block or used in an expression, which is where it confuses.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Stylistic asks for `x!` instead of `x as T`, which strict's no-non-null-assertion forbids: the two
      // rules contradict each other, and the strict one wins.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
    },
  },
  {
    // The few plain JavaScript files (build script, test runner, CLI shim) have no tsconfig: lint them untyped.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
  },
  {
    // CommonJS files load modules with require(): that is what they are.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
