import {Text} from 'ink';

const BARS = '▁▂▃▄▅▆▇█';

type Props = {
	readonly values: readonly number[];
	readonly width: number;
};

/** The last `width` values as a bar chart one character high, scaled to their maximum. */
export function Sparkline({values, width}: Props) {
	const shown = values.slice(-width);
	const max = Math.max(0, ...shown);
	const text = shown.map(value => (max === 0 ? BARS[0] : BARS[Math.min(BARS.length - 1, Math.floor((value / max) * (BARS.length - 1) + 0.5))])).join('');
	return <Text color='cyan'>{text}</Text>;
}
