import type {Command} from './command.js';
import {
	appliesTo, SETTINGS, type Section, type Setting,
} from './settings.js';

/** Help fits a terminal of this many columns. */
export const HELP_WIDTH = 80;
/** Where a flag's description starts. */
const COLUMN = 29;
const SECTIONS: readonly Section[] = ['Messages', 'Senders', 'Run', 'Distributed mode', 'Planning', 'Gateway', 'Output'];

/** `text` in lines of at most `width` characters, broken at spaces (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
	const lines: string[] = [];
	let line = '';
	for (const word of text.split(/\s+/).filter(Boolean)) {
		if (line !== '' && line.length + 1 + word.length > width) {
			lines.push(line);
			line = word;
		} else {
			line = line === '' ? word : `${line} ${word}`;
		}
	}

	if (line !== '') {
		lines.push(line);
	}

	return lines;
}

/** A setting's lines in help: its flags on the left, what it does and its default on the right. */
function settingLines(setting: Setting, command: Command['name']): string[] {
	const flags = `${setting.short ? `-${setting.short}, ` : '    '}--${setting.name}${setting.value ? ` ${setting.value}` : ''}`;
	const left = `  ${flags}`;
	const text = wrap(`${setting.helpIn?.[command] ?? setting.help}${setting.default === undefined ? '' : ` (default ${setting.default})`}`, HELP_WIDTH - COLUMN);
	if (left.length >= COLUMN - 1) {
		return [left, ...text.map(line => `${' '.repeat(COLUMN)}${line}`)];
	}

	return text.map((line, index) => `${index === 0 ? left.padEnd(COLUMN) : ' '.repeat(COLUMN)}${line}`);
}

/** The help of one command: usage, what it does, every flag that applies to it with its default, examples. */
export function commandHelp(command: Command, commands: readonly Command[]): string {
	const lines = ['Usage', `  $ ${command.synopsis}`, ''];
	for (const paragraph of command.about.split('\n\n')) {
		lines.push(...wrap(paragraph, HELP_WIDTH - 2).map(line => `  ${line}`), '');
	}

	if (command.name === 'run') {
		lines.push('Commands');
		for (const other of commands) {
			if (other.name !== 'run') {
				lines.push(...wrap(other.summary, HELP_WIDTH - 14).map((line, index) => `  ${(index === 0 ? other.name : '').padEnd(12)}${line}`));
			}
		}

		lines.push('  help [cmd]  This help, or a command\'s: sms-sim help produce', '');
	}

	for (const section of SECTIONS) {
		const settings = SETTINGS.filter(setting => setting.section === section && appliesTo(setting, command.name));
		if (settings.length > 0) {
			lines.push(section, ...settings.flatMap(setting => settingLines(setting, command.name)), '');
		}
	}

	if (command.name === 'run') {
		lines.push(
			'Keys on the dashboard',
			'  q, Ctrl-C                  Stop and print the summary',
			'',
			'Exit codes',
			...wrap('0 done, 1 unexpected error, 2 usage error, 3 --max-failure-rate exceeded or a --threshold crossed, 4 broker unreachable, 130 interrupted', HELP_WIDTH - 2).map(line => `  ${line}`),
			'',
		);
	}

	lines.push('Examples', ...command.examples.map(example => `  $ ${example}`));
	return `${lines.join('\n')}\n`;
}
