import {StringDecoder} from 'node:string_decoder';

/**
 * UTF-8 pieces of input into lines, each at most `maxChars`. The line being read is kept in
 * pieces and joined once when its newline comes, so a long line costs its length, not its length
 * squared; past `maxChars` it is given up, and the input is no file of lines.
 */
export class LineSplitter {
	private readonly decoder = new StringDecoder('utf8');
	private pieces: string[] = [];
	private pending = 0;
	private readonly maxChars: number;

	constructor(maxChars: number) {
		this.maxChars = maxChars;
	}

	/** Gives `onLine` each line `chunk` completes; false when the line still being read is too long. */
	write(chunk: Buffer, onLine: (line: string) => void): boolean {
		const text = this.decoder.write(chunk);
		let from = 0;
		for (let newline = text.indexOf('\n'); newline >= 0; newline = text.indexOf('\n', from)) {
			this.pieces.push(text.slice(from, newline));
			onLine(this.pieces.join(''));
			this.pieces = [];
			this.pending = 0;
			from = newline + 1;
		}

		this.pieces.push(text.slice(from));
		this.pending += text.length - from;
		return this.pending <= this.maxChars;
	}

	/** The last line, when the input does not end with a newline. */
	end(): string | undefined {
		this.pieces.push(this.decoder.end());
		const last = this.pieces.join('');
		this.pieces = [];
		return last === '' ? undefined : last;
	}
}
