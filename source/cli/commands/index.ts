import type {Command} from '../command.js';
import type {CommandName} from '../settings.js';
import {compareCommand} from './compare.js';
import {monitorCommand} from './monitor.js';
import {planCommand} from './plan.js';
import {produceCommand} from './produce.js';
import {purgeCommand} from './purge.js';
import {reportCommand} from './report.js';
import {runCommand} from './run.js';
import {sendCommand} from './send.js';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [runCommand, produceCommand, sendCommand, monitorCommand, purgeCommand, reportCommand, compareCommand, planCommand];

export const commandNamed = (name: CommandName): Command => COMMANDS.find(command => command.name === name)!;
