import type {Command} from '../command.js';
import type {CommandName} from '../settings.js';
import {compareCommand} from './compare-command.js';
import {gatewayCommand} from './gateway-command.js';
import {monitorCommand} from './monitor-command.js';
import {planCommand} from './plan-command.js';
import {produceCommand} from './produce-command.js';
import {purgeCommand} from './purge-command.js';
import {reportCommand} from './report-command.js';
import {runCommand} from './run-command.js';
import {schemaCommand} from './schema-command.js';
import {sendCommand} from './send-command.js';

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [runCommand, produceCommand, sendCommand, monitorCommand, purgeCommand, reportCommand, compareCommand, planCommand, gatewayCommand, schemaCommand];

export const commandNamed = (name: CommandName): Command => COMMANDS.find(command => command.name === name)!;
