import {Text} from 'ink';

type Props = {
	readonly done: number;
	readonly total: number | null;
	readonly width: number;
};

/** `[██████░░░░░░]  45.2%`; an empty bar with `?` when the total is not known. */
export function ProgressBar({done, total, width}: Props) {
	const fraction = total === null ? 0 : (total === 0 ? 1 : Math.min(1, done / total));
	const cells = Math.max(10, width);
	const filled = Math.round(fraction * cells);
	return (
		<Text>
			<Text color='green'>{'█'.repeat(filled)}</Text>
			<Text dimColor>{'░'.repeat(cells - filled)}</Text>
			<Text> {total === null ? '    ?' : `${(fraction * 100).toFixed(1).padStart(5)}%`}</Text>
		</Text>
	);
}
