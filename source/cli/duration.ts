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

/** `1.5s`, `250ms`, `2m 30s`-like short text for people. */
export function formatDuration(milliseconds: number): string {
	if (!Number.isFinite(milliseconds)) {
		return '?';
	}

	if (milliseconds < 1000) {
		return `${trimZero(milliseconds.toFixed(milliseconds < 10 ? 2 : 1))}ms`;
	}

	const seconds = milliseconds / 1000;
	if (seconds < 60) {
		return `${seconds.toFixed(1)}s`;
	}

	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) {
		return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
	}

	return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function trimZero(text: string): string {
	return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
