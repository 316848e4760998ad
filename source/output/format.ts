import {formatDuration} from '../cli/duration.js';

/** `1,234,567`. */
export const formatCount = (value: number): string => Math.round(value).toLocaleString('en-US');

/** A send time for people: `101.3ms`, `1.2s`. */
export const formatMs = (milliseconds: number): string => (milliseconds < 1000 ? `${milliseconds.toFixed(1)}ms` : formatDuration(milliseconds));

/** `9.7%`. */
export const formatPercent = (part: number, whole: number): string => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '0.0%');

/** `1,003/s`, or one decimal below 10. */
export const formatRate = (perSecond: number): string => (perSecond < 10 ? `${perSecond.toFixed(1)}/s` : `${formatCount(perSecond)}/s`);

export {formatDuration};
