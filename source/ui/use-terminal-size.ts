import {useEffect, useState} from 'react';
import {useStdout} from 'ink';

export type TerminalSize = {readonly columns: number; readonly rows: number};

/**
 * The terminal's size, redrawn on every resize (not at the next snapshot). `rows` reads the real
 * height where Ink is told another (see front-ends/terminal-surface.ts). 80x24 when it does not say.
 */
export function useTerminalSize(rows?: () => number): TerminalSize {
	const {stdout} = useStdout();
	const [size, setSize] = useState(() => measure(stdout, rows));
	useEffect(() => {
		const resized = () => {
			setSize(measure(stdout, rows));
		};

		stdout.on('resize', resized);
		return () => {
			stdout.off('resize', resized);
		};
	}, [stdout, rows]);
	return size;
}

/** The size `stdout` says it has, `rows` reading the height where it is given. */
function measure(stdout: NodeJS.WriteStream, rows: (() => number) | undefined): TerminalSize {
	return {
		columns: stdout.columns > 0 ? stdout.columns : 80,
		rows: rows?.() ?? (stdout.rows > 0 ? stdout.rows : 24),
	};
}
