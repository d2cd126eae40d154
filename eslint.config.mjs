import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';

/**
 * Package boundaries by tag; arrows point one way:
 *   protocol ← token-manager ← proxy (+ transport), token-manager + policy ← capability
 *   protocol ← transport ← transport-*
 *   protocol ← sdk ← modules
 *   proxy + transport + sdk ← host ← core ← cli / apps
 *   core (+ its types' packages) ← dashboard ← cli
 * A transport never imports the core, the SDK never imports a transport,
 * and nothing imports another package's src/ deeply.
 */
const depConstraints = [
  { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:security', onlyDependOnLibsWithTags: ['type:protocol', 'type:security'] },
  {
    sourceTag: 'type:proxy',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:security', 'type:transport-api'],
  },
  { sourceTag: 'type:transport-api', onlyDependOnLibsWithTags: ['type:protocol'] },
  {
    sourceTag: 'type:transport',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:transport-api'],
  },
  { sourceTag: 'type:policy', onlyDependOnLibsWithTags: ['type:protocol'] },
  {
    sourceTag: 'type:capability',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:security', 'type:policy'],
  },
  { sourceTag: 'type:sdk', onlyDependOnLibsWithTags: ['type:protocol'] },
  {
    sourceTag: 'type:host',
    onlyDependOnLibsWithTags: [
      'type:protocol',
      'type:security',
      'type:proxy',
      'type:transport-api',
      'type:transport',
      'type:sdk',
    ],
  },
  {
    sourceTag: 'type:core',
    onlyDependOnLibsWithTags: [
      'type:protocol',
      'type:security',
      'type:policy',
      'type:capability',
      'type:proxy',
      'type:transport-api',
      'type:transport',
      'type:sdk',
      'type:host',
    ],
  },
  {
    sourceTag: 'type:module',
    onlyDependOnLibsWithTags: ['type:sdk', 'type:protocol', 'type:module'],
  },
  {
    sourceTag: 'type:dashboard',
    onlyDependOnLibsWithTags: ['type:protocol', 'type:sdk', 'type:capability', 'type:core'],
  },
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'type:cli', onlyDependOnLibsWithTags: ['*'] },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '.nx/**',
      'tools/.bin/**',
      'policies/build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { allow: [], depConstraints, enforceBuildableLibDependency: false },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's page: ES modules in the browser, no build step.
    files: ['packages/dashboard/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        location: 'readonly',
        fetch: 'readonly',
        EventTarget: 'readonly',
        Event: 'readonly',
        MessageEvent: 'readonly',
        AbortController: 'readonly',
        TextDecoderStream: 'readonly',
        sessionStorage: 'readonly',
        history: 'readonly',
        addEventListener: 'readonly',
        removeEventListener: 'readonly',
        confirm: 'readonly',
        console: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
);
