import {stoppable, type Command} from '../command.js';
import {Checker} from '../checker.js';
import type {ReportOptions} from '../report.js';

/** `sms-sim report [file|-]`: a saved run printed as its summary. */
export const reportCommand: Command<ReportOptions> = {
	name: 'report',
	synopsis: 'sms-sim report [file|-] [options]',
	summary: 'A run saved with --json (gzip too) printed as its summary',
	about: 'Reads a run saved with --json (a file, gzip or not, or - for standard input) and prints its summary as the run did; with --json, one summary object. A run whose file ends before its summary (killed, or cut) is reported as cut short, from its last progress line.',
	examples: [
		'sms-sim report nightly.ndjson.gz',
		'sms-sim --json --speed max | sms-sim report - --html run.html',
	],
	validate({flags, operands}) {
		const check = new Checker();
		const html = flags.html === undefined ? undefined : check.outputFile('--html', flags.html);
		if (operands.length > 1) {
			check.errors.push(`report reads one run: got ${operands.length} files`);
		}

		return check.errors.length > 0 ? {value: undefined, errors: check.errors} : {value: {path: operands[0] ?? '-', json: flags.json === true, html}, errors: []};
	},
	async execute(options, io) {
		const {report} = await import('../report.js');
		return stoppable(report(options, io), io, `report: interrupted while reading ${options.path === '-' ? 'standard input' : options.path}; nothing printed`);
	},
};
