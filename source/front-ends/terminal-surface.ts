import process from 'node:process';

/** Switches to the terminal's alternate screen (and puts the cursor home); its scrollback is the main screen's, untouched. */
const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

/**
 * Where the dashboard draws: the alternate screen of a terminal, as oha, htop and less draw.
 *
 * Why not the main screen: when a window narrows, the terminal reflows the frame already drawn
 * (a line of 100 cells becomes two rows at 60 columns), and Ink erases the old frame by counting
 * its lines, so the rows it misses stay above the summary for good. How a terminal reflows
 * differs (tmux, xterm.js, VTE, Ghostty), so no count is right everywhere. Terminals do not
 * reflow the alternate screen: there, erasing by lines is exact, and the scrollback the user
 * had is never touched. The summary is printed on the main screen once the run is over.
 *
 * Why Ink is told the screen is taller than it is: when a frame is as tall as the terminal (for a
 * moment after the window is made shorter), Ink 6 redraws with `ESC[3J`, which erases the main
 * screen's scrollback even from the alternate screen (tmux 3.3). The dashboard fits its frames to
 * `rows()`, the real height, so the fiction only removes that path.
 */
export type TerminalSurface = {
	/** The stream to give Ink: stdout, reporting a height Ink never reaches. */
	readonly stdout: NodeJS.WriteStream;
	/** The terminal's real height in rows (24 when it does not say). */
	readonly rows: () => number;
	/** Back to the main screen, where the user's scrollback is; once, whatever calls it. */
	readonly leave: () => void;
};

/** Rows Ink is told the terminal has: more than any frame the dashboard draws. */
const HEIGHT_INK_NEVER_FILLS = 100_000;

export function openTerminalSurface(stdout: NodeJS.WriteStream): TerminalSurface {
	let open = true;
	const leave = (): void => {
		if (open) {
			open = false;
			process.off('exit', leave);
			stdout.write(LEAVE_ALTERNATE_SCREEN);
		}
	};

	// However the process ends (an error, a second Ctrl-C), the user gets their screen back.
	process.on('exit', leave);
	stdout.write(ENTER_ALTERNATE_SCREEN);
	const surface = new Proxy(stdout, {
		get(target, key) {
			if (key === 'rows') {
				return HEIGHT_INK_NEVER_FILLS;
			}

			const value: unknown = Reflect.get(target, key, target);
			// Methods run on the real stream, so its listeners and buffers are the real ones.
			return typeof value === 'function' ? (value as (...arguments_: unknown[]) => unknown).bind(target) : value;
		},
	});
	return {
		stdout: surface,
		rows: () => (stdout.rows > 0 ? stdout.rows : 24),
		leave,
	};
}
