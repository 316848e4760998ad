import {Box, Text} from 'ink';
import {exceedsFailureRate, type Snapshot} from '../engine/snapshot.js';
import {summaryLines} from '../reports/lines.js';

type Props = {
	readonly final: Snapshot;
	readonly seed: number;
	readonly maxFailureRate?: number;
};

/** The final summary, as the plain-text front end prints it, with a coloured headline. */
export function Summary({final, seed, maxFailureRate}: Props) {
	const [headline, ...rest] = summaryLines(final, {seed, maxFailureRate});
	return (
		<Box flexDirection='column'>
			<Text bold color={final.interrupted ? 'yellow' : (exceedsFailureRate(final, maxFailureRate) ? 'red' : 'green')}>{headline}</Text>
			{rest.map(line => <Text key={line} wrap='truncate'>{line}</Text>)}
		</Box>
	);
}
