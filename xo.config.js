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
			// Null is part of the JSON contract ("etaMs": null until it can be told) and of the types behind it.
			'unicorn/no-null': 'off',
			'@typescript-eslint/no-restricted-types': 'off',
			// The new JSX transform needs no React in scope.
			'react/react-in-jsx-scope': 'off',
			// `a * b + c` reads as arithmetic does.
			'@stylistic/no-mixed-operators': 'off',
			// The hot paths (pool, heap, messages) index arrays in loops to avoid iterators.
			'unicorn/no-for-loop': 'off',
			// Tables of test cases and long messages are easier to read on one line.
			'@stylistic/max-len': 'off',
			// `| 0` truncates in integer arithmetic in the hot paths (bodies, random draws).
			'unicorn/prefer-math-trunc': 'off',
			// A Node-only program: process and Buffer are its globals.
			'n/prefer-global/process': 'off',
			'n/prefer-global/buffer': 'off',
			// Casts sit at the edges (parsed JSON, Ink's streams), checked by the code around them.
			'@typescript-eslint/no-unsafe-type-assertion': 'off',
			// `() => list.push(x)` where a callback returns void is harmless.
			'@typescript-eslint/strict-void-return': 'off',
			// Its autofix drops copies made on purpose (a list changed while it is walked).
			'unicorn/no-useless-spread': 'off',
			// Members are ordered for reading (the state, then what uses it), not by kind.
			'@typescript-eslint/member-ordering': 'off',
		},
	},
	{
		// Ink components are PascalCase files, as in Ink's own source.
		files: ['source/ui/**/*.tsx'],
		rules: {
			'unicorn/filename-case': ['error', {cases: {kebabCase: true, pascalCase: true}}],
		},
	},
	{
		files: ['test/**/*.{ts,tsx}'],
		rules: {
			// Parsed NDJSON lines are `any` in tests: the assertions are the type check.
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-call': 'off',
			'@typescript-eslint/no-unsafe-member-access': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
			'@typescript-eslint/restrict-plus-operands': 'off',
			// Spawned programs run one after another on purpose (2 cores, timing-sensitive).
			'no-await-in-loop': 'off',
			// The tests look for escape codes.
			'no-control-regex': 'off',
			'max-nested-callbacks': 'off',
		},
	},
];

export default xoConfig;
