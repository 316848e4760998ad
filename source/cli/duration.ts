import ms from 'ms';

/**
 * Reads a duration in milliseconds: `250ms`, `1.5s`, `2m`, `1h` (the `ms` package's grammar,
 * which also takes `2 minutes`); a bare number is milliseconds. Undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
	const trimmed = text.trim();
	if (trimmed === '') {
		return undefined;
	}

	const value = ms(trimmed as ms.StringValue);
	return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
