import {setMaxListeners} from 'node:events';
import type {Observable} from 'rxjs';
/** A line of progress on a terminal: redrawn in place, gone when cleared. */
export type ProgressLine = {
	/** The text to show; drawn at once if the last drawing is 100 ms old, else at the next `redraw`. */
	readonly set: (text: string) => void;
	/** Draws the text again (the elapsed time in it moves on). */
	readonly redraw: () => void;
	/** Takes the line off the screen, so what is printed next starts on a clean line. */
	readonly clear: () => void;
};

const MIN_REDRAW_MS = 100;

/**
 * A progress line on `stream` when it is a terminal and `enabled`; otherwise one that draws
 * nothing (piped stderr, or `--json` on stdout, gets no escape codes and no noise).
 */
export function createProgressLine(stream: NodeJS.WriteStream, enabled = true): ProgressLine {
	if (!enabled || !stream.isTTY) {
		const nothing = (): void => undefined;
		return {set: nothing, redraw: nothing, clear: nothing};
	}

	let text: string | undefined;
	let drawnAt = 0;
	let shown = false;
	const draw = (): void => {
		if (text === undefined) {
			return;
		}

		// Room left at the end for the terminal's own ^C echo: a line that wraps cannot be cleared.
		const width = Math.max(20, (stream.columns ?? 80) - 4);
		stream.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\u001B[K`);
		drawnAt = performance.now();
		shown = true;
	};

	return {
		set(next) {
			text = next;
			if (performance.now() - drawnAt >= MIN_REDRAW_MS) {
				draw();
			}
		},
		redraw: draw,
		clear() {
			if (shown) {
				stream.write('\r\u001B[K');
				shown = false;
			}
		},
	};
}

/** A long job of runs (a plan, replications): what stops it and what shows how far it is. */
export type LongJob = {
	/** Aborts when the user asks to stop (Ctrl-C, SIGTERM). */
	readonly signal: AbortSignal;
	readonly progress: ProgressLine;
	/** Takes the progress line down and stops listening. */
	readonly end: () => void;
};

/**
 * Starts a long job: an abort signal the user's stop fires (with no limit on its listeners: one a
 * run waiting on the replication threads), and a progress line on stderr (when `showProgress` and
 * stderr is a terminal) redrawn four times a second, so the elapsed time in it moves on.
 */
export function startLongJob(io: {readonly stderr: NodeJS.WritableStream; readonly stop$: Observable<unknown>}, showProgress: boolean): LongJob {
	const controller = new AbortController();
	setMaxListeners(0, controller.signal);
	const stopping = io.stop$.subscribe(() => {
		controller.abort();
	});
	const progress = createProgressLine(io.stderr as NodeJS.WriteStream, showProgress);
	const ticker = setInterval(() => {
		progress.redraw();
	}, 250);
	ticker.unref();
	return {
		signal: controller.signal,
		progress,
		end() {
			clearInterval(ticker);
			progress.clear();
			stopping.unsubscribe();
		},
	};
}
