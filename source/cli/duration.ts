/** Milliseconds in one of each unit a duration may have. */
const UNITS: Record<string, number> = {
	us: 0.001, µs: 0.001, microsecond: 0.001, microseconds: 0.001,
	ms: 1, millisecond: 1, milliseconds: 1,
	s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
	m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
	h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
	d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** The number grammar every setting shares: `250`, `1.5`, `.5`, `1e3`, `+2` (no hex, no `Infinity`, no separators). */
export const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

const DURATION_PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-zµ]*)$/i;

/**
 * A duration in milliseconds: a number in the shared grammar (`NUMBER_PATTERN`, so `1e3` works
 * here as it does for counts), then an optional unit: `us`, `ms`, `s`, `m`, `h`, `d` or their
 * long names (`2 minutes`). A bare number is milliseconds. Undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
	const match = DURATION_PATTERN.exec(text.trim());
	if (match === null) {
		return undefined;
	}

	const [, number = '', unitText = ''] = match;
	const unit = unitText.toLowerCase();
	const factor = unit === '' ? 1 : (Object.hasOwn(UNITS, unit) ? UNITS[unit] : undefined);
	if (factor === undefined) {
		return undefined;
	}

	const value = Number(number) * factor;
	return Number.isFinite(value) ? value : undefined;
}
