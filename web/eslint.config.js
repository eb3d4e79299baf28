// Lint for the web app: typescript-eslint's type-aware recommended rules and React's hooks rules
// (the rules of hooks and the compiler-backed checks). `npm run lint` fails on any warning too.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig([
  globalIgnores(['dist', 'build', 'node_modules']),
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked, reactHooks.configs.flat.recommended],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `const { dropped, ...rest } = value` is how a property is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // A change reloads queries through reloadChanged (src/data/queryClient.ts): invalidating alone
      // joins a first load already under way, which may answer from before the change.
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name='invalidateQueries']",
        message: 'Reload after a change with reloadChanged (src/data/queryClient.ts).',
      }],
    },
  },
  {
    // Tests may set up a cache any way they like.
    files: ['**/*.test.{ts,tsx}'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['eslint.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
]);
