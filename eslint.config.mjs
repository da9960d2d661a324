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
      // An async function without await is how this code implements a Promise-returning interface (an engine
      // operation, a webview callback): a throw in it becomes a rejection, which the caller handles. Rewriting
      // it as `() => Promise.resolve(...)` would turn such throws into synchronous ones.
      '@typescript-eslint/require-await': 'off',
      // The only require() calls in TypeScript: the optional native backends (tfjs-node, tfjs-node-gpu), loaded at run time (esbuild keeps
      // it external), and the built-in digits, which esbuild bundles only from literal require() calls.
      '@typescript-eslint/no-require-imports': ['error', { allow: ['^@tensorflow/tfjs-node(-gpu)?$', '^mnist/src/digits/\\d\\.json$'] }],
      // `const { picked, ...rest } = value` picks a property out to keep the rest: the picked one is unused on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Stylistic asks for `x!` instead of `x as T`, which strict's no-non-null-assertion forbids: the two
      // rules contradict each other, and the strict one wins.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
    },
  },
  {
    // Tests only. They parse JSON that the CLI, the engine or a Python writer produced and assert its shape field
    // by field: typing the parsed value as the type under test would assume what the test checks, so the parsed
    // value stays untyped there. A `!` in a test is itself an assertion: when the value is missing the test fails
    // on that line. (Left for a later pass: typed readers for these JSON documents, and asserts instead of `!`.)
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The few plain JavaScript files (build script, test runner, CLI shim) have no tsconfig: lint them untyped.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly',
        Buffer: 'readonly', URL: 'readonly',
      },
    },
  },
  {
    // CommonJS files load modules with require(): that is what they are.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
