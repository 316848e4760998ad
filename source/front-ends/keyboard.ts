import {openSync} from 'node:fs';
import {PassThrough} from 'node:stream';
import {isatty, ReadStream} from 'node:tty';

/** Where the dashboard reads keys from, and how to let it go. */
export type Keyboard = {
	/** A terminal in raw mode when there is one; else a stream with no terminal, so no key is read. */
	readonly stdin: NodeJS.ReadStream;
	/** Whether keys can be read (`q`, Ctrl-C as a key). */
	readonly hasKeys: boolean;
	readonly close: () => void;
};

/**
 * The dashboard's keys come from the terminal, wherever stdin comes from. When stdin is a terminal,
 * from it; when it is a pipe or a file (`... | sms-sim --input -`, `< /dev/null`), from the
 * controlling terminal (`/dev/tty`), as `less` and `fzf` do, so stdin's data is left to the
 * run; with no controlling terminal, no keys at all, and Ctrl-C stays a signal.
 */
export function openKeyboard(): Keyboard {
	// Asked of the descriptor, not of process.stdin: making that stream would take hold of a pipe.
	if (isatty(0)) {
		return {stdin: process.stdin, hasKeys: true, close: () => undefined};
	}

	try {
		const terminal = new ReadStream(openSync('/dev/tty', 'r'));
		return {
			stdin: terminal,
			hasKeys: true,
			close() {
				terminal.destroy();
			},
		};
	} catch {
		// No controlling terminal (a daemon, `setsid`): a stream that is not one, so Ink reads nothing.
		const none = Object.assign(new PassThrough(), {isTTY: false}) as unknown as NodeJS.ReadStream;
		return {
			stdin: none,
			hasKeys: false,
			close() {
				(none as unknown as PassThrough).destroy();
			},
		};
	}
}
