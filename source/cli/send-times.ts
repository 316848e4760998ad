import {existsSync, readFileSync} from 'node:fs';
import {parse} from 'csv-parse/sync';
import {LIMITS} from '../model/limits.js';
import {parseDuration} from './duration.js';

/** Most measured send times one file may give (8 bytes each in memory, and in each replication thread). */
export const MAX_SEND_TIMES = 10_000_000;

/**
 * Measured send times for `distribution=empirical`, from a file: one duration a line (`250ms`,
 * `1.5s`; a bare number is milliseconds; blank lines and `#` comments skipped), or a column of a
 * CSV file (`times.csv` for its first column, `times.csv:latency` for the column headed
 * `latency`; a first row that is not a duration is a header). CSV is read by csv-parse, so quoted
 * fields and quoted newlines are read as a spreadsheet writes them. Gives the times in ms, or the
 * problem in words (with the line it is on).
 */
export function readSendTimes(spec: string): {readonly times: number[]} | {readonly problem: string} {
	const column = existsSync(spec) ? undefined : /^(.*\.csv):([^/\\]+)$/i.exec(spec);
	const [, columnPath, columnName] = column ?? [];
	const path = columnPath ?? spec;
	let text: string;
	try {
		text = readFileSync(path, 'utf8');
	} catch (error) {
		return {problem: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`};
	}

	const cells: Array<{readonly text: string; readonly line: number}> = [];
	const csv = columnName !== undefined || path.toLowerCase().endsWith('.csv');
	if (csv) {
		let rows: string[][];
		try {
			rows = parse(text, {
				relax_column_count: true, skip_empty_lines: true, trim: true, info: false,
			});
		} catch (error) {
			return {problem: `${path} is not CSV: ${(error as Error).message}`};
		}

		const header = rows.length > 0 && (columnName === undefined ? parseDuration(rows[0]?.[0] ?? '') === undefined : true);
		const index = columnName === undefined ? 0 : rows[0]?.indexOf(columnName) ?? -1;
		if (index === -1) {
			return {problem: `${path} has no column headed ${JSON.stringify(columnName)} (its columns: ${(rows[0] ?? []).join(', ')})`};
		}

		for (const [row, cellsOfRow] of rows.entries()) {
			if (!(header && row === 0)) {
				cells.push({text: cellsOfRow[index] ?? '', line: row + 1});
			}
		}
	} else {
		for (const [index, line] of text.split(/\r?\n/).entries()) {
			const trimmed = line.trim();
			if (trimmed !== '' && !trimmed.startsWith('#')) {
				cells.push({text: trimmed, line: index + 1});
			}
		}
	}

	if (cells.length === 0) {
		return {problem: `${path} holds no send times (one duration a line, such as 250ms or 1.5s, or a CSV column)`};
	}

	if (cells.length > MAX_SEND_TIMES) {
		return {problem: `${path} holds ${cells.length.toLocaleString('en-US')} send times; at most ${MAX_SEND_TIMES.toLocaleString('en-US')} are taken`};
	}

	const times: number[] = [];
	for (const cell of cells) {
		const ms = parseDuration(cell.text);
		if (ms === undefined || ms < 0 || ms > LIMITS.meanMs.max) {
			return {problem: `${path}, ${csv ? 'row' : 'line'} ${cell.line}: ${JSON.stringify(cell.text)} is not a send time (a duration from 0 to ${LIMITS.meanMs.max}ms, such as 250ms or 1.5s; a bare number is ms)`};
		}

		times.push(ms);
	}

	return {times};
}
