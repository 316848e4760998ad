/** `1,234,567`. */
export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');

/** A send time for people: `101.3ms`, `1.2s`. */
export const formatMs = (milliseconds: number): string => (milliseconds < 1000 ? `${milliseconds.toFixed(1)}ms` : formatDuration(milliseconds));

/** `9.7%`. */
export const formatPercent = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%');

/** `1,003/s`, or one decimal below 10; `none` (default `instant`) when there is no rate: no time passed. */
export function formatRate(perSecond: number | null, none = 'instant'): string {
	if (perSecond === null) {
		return none;
	}

	return perSecond < 10 ? `${perSecond.toFixed(1)}/s` : `${formatCount(perSecond)}/s`;
}

/** Short text for people: `250ms`, `1.5s`, `2m30s`, `5h07m`, `115d17h`. */
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

	const hours = Math.floor(minutes / 60);
	if (hours < 48) {
		return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
	}

	return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

function trimZero(text: string): string {
	return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Rows as aligned text lines, two spaces apart: the first column to the left, the others (figures) to the right. */
export function alignedRows(rows: readonly string[][]): string[] {
	const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map(row => row[column]?.length ?? 0)));
	return rows.map(row => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  '));
}

/** Why a server cannot listen, in one line: `cannot listen on 127.0.0.1:2775: the port is in use`. */
export function cannotListen(host: string, port: number, error: NodeJS.ErrnoException): string {
	const why = {EADDRINUSE: 'the port is in use', EADDRNOTAVAIL: 'no interface of this machine has that address'}[error.code ?? ''] ?? error.message;
	return `cannot listen on ${host}:${port}: ${why}`;
}
