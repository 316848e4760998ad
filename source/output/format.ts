/** `1,234,567`. */
export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');

/** A send time for people: `101.3ms`, `1.2s`. */
export const formatMs = (milliseconds: number): string => (milliseconds < 1000 ? `${milliseconds.toFixed(1)}ms` : formatDuration(milliseconds));

/** `9.7%`. */
export const formatPercent = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%');

/** `1,003/s`, or one decimal below 10. */
export const formatRate = (perSecond: number): string => (perSecond < 10 ? `${perSecond.toFixed(1)}/s` : `${formatCount(perSecond)}/s`);

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
