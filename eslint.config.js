import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.gpu/**', '.gl/**', 'build/**', '.nnunet/**', 'runs/**', 'native/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Module boundary: the engine is generic and must not know about images, networks or node kinds.
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/nodes/**', '**/nodes'], message: 'src/engine must not import node kinds (nodes/).' },
          { group: ['**/imaging/**', '**/imaging'], message: 'src/engine must not import src/imaging.' },
          { group: ['**/nn/**', '**/nn'], message: 'src/engine must not import src/nn.' },
        ],
      }],
    },
  },
);
