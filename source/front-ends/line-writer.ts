/** Something that can be held while output drains: the simulation clock. */
export type Pausable = {pause(): void; resume(): void};

/**
 * Writes lines to `stream`, holding `clock` while the stream's buffer is full, so output never
 * piles up in memory and a slow reader slows the simulation rather than growing the process.
 * One `drain` listener at most, however many writes found the buffer full: a listener per write
 * made each drain call them all (quadratic in a pipe) and tripped Node's leak warning.
 */
export function createLineWriter(stream: NodeJS.WritableStream, clock?: Pausable): (line: string) => void {
	let held = false;
	const release = (): void => {
		held = false;
		clock?.resume();
	};

	return line => {
		if (!stream.write(`${line}\n`) && clock && !held) {
			held = true;
			clock.pause();
			stream.once('drain', release);
		}
	};
}
