/**
 * XO (ESLint with its rules and formatting), run by `npm test`. Its defaults, except where a rule
 * fights a choice this project made on purpose; each exception says why.
 */
/** @type {import('xo').FlatXoConfig} */
const xoConfig = [
	{
		ignores: ['dist/**', 'coverage/**'],
	},
	{
		react: true,
		rules: {
			// Constants are UPPER_CASE (MAX_SEED, DEFAULTS, EXIT), as in Node's own code; the rest camelCase.
			'@typescript-eslint/naming-convention': ['error', {
				selector: 'variable',
				format: ['strictCamelCase', 'UPPER_CASE', 'StrictPascalCase'],
				leadingUnderscore: 'allow',
			}],
			// The random generator and the body encoder work on 32-bit integers on purpose.
			'no-bitwise': 'off',
			// Every pattern here is ASCII; the `v` flag would change nothing but the noise.
			'require-unicode-regexp': 'off',
			// null is part of the JSON contract ("etaMs": null until it can be told) and of the types behind it.
			'unicorn/no-null': 'off',
			// The new JSX transform needs no React in scope.
			'react/react-in-jsx-scope': 'off',
			// `a * b + c` reads as arithmetic does.
			'@stylistic/no-mixed-operators': 'off',
			// The hot paths (pool, heap, messages) index arrays in loops to avoid iterators.
			'unicorn/no-for-loop': 'off',
			// Tables of test cases and long messages are easier to read on one line.
			'@stylistic/max-len': 'off',
		},
	},
];

export default xoConfig;
