import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import vueParser from 'vue-eslint-parser';
import globals from 'globals';

const NODE_BUILTINS = [
  'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'stream', 'url', 'util', 'events',
  'worker_threads', 'zlib', 'tty', 'dgram', 'dns', 'readline', 'cluster', 'buffer', 'assert', 'process', 'timers', 'v8', 'vm',
];
// Exact module names (paths), not patterns: a pattern 'events' would also match '../main/events/bus'.
const nodeBuiltinPaths = [...NODE_BUILTINS, ...NODE_BUILTINS.map((m) => `node:${m}`)].map((name) => ({
  name,
  message: 'renderer/ runs in the browser: no Node builtins.',
}));

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'test-results/**', '.tmp/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // The folders are runtimes; imports across them are enforced here, not by review.
  {
    files: ['main/**/*.ts', 'migrations/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'main/ is plain Node: only electron/ may import electron.' }], patterns: [{ group: ['**/renderer/**'], message: 'main/ must not import the UI.' }, { group: ['**/electron/**'], message: 'main/ must not import the shell.' }] }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    languageOptions: {
      globals: { ...globals.browser },
      parser: vueParser,
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The UI talks to the core over HTTP, never to electron.' }, ...nodeBuiltinPaths],
          patterns: [
            { group: ['node:*', ...NODE_BUILTINS.map((m) => `${m}/*`)], message: 'renderer/ runs in the browser: no Node builtins.' },
            { group: ['**/main/**'], allowTypeImports: true, message: 'renderer/ may import only types from main/ (use `import type`).' },
          ],
        },
      ],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  // Every test runs: no focused, skipped or conditional tests (CI also refuses .only).
  {
    files: ['**/*.test.ts', 'tests/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression > MemberExpression.callee[object.name=/^(it|test|describe|suite|bench)$/][property.name=/^(only|skip|todo|skipIf|runIf|fixme)$/]",
          message: 'Tests must run: no .only, .skip, .todo, .skipIf, .runIf or .fixme.',
        },
        {
          selector: "CallExpression > MemberExpression.callee[object.object.name=/^(it|test|describe)$/][property.name=/^(only|skip|todo|fixme)$/]",
          message: 'Tests must run: no .only, .skip, .todo or .fixme.',
        },
      ],
    },
  },
  {
    files: ['electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/renderer/**'], message: 'The shell loads the UI by URL, not by import.' }] }],
    },
  },
  {
    // Only the main process and the preload run inside Electron: the supervisor, the core entry
    // (a utilityProcess) and the pure modules run and are tested under plain Node.
    files: ['electron/**/*.ts'],
    ignores: ['electron/main.ts', 'electron/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'Only electron/main.ts and electron/preload.ts import electron; this module runs under plain Node too.' }],
          patterns: [{ group: ['**/renderer/**'], message: 'The shell loads the UI by URL, not by import.' }],
        },
      ],
    },
  },
);
