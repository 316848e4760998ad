import {Box, Text} from 'ink';
import type {Snapshot} from '../snapshot.js';
import {summaryLines} from '../output/lines.js';

type Props = {
	readonly final: Snapshot;
	readonly seed: number;
	readonly threshold?: {maxFailureRate: number; exceeded: boolean};
};

/** The final summary, as the plain-text front end prints it, with a coloured headline. */
export function Summary({final, seed, threshold}: Props) {
	const [headline, ...rest] = summaryLines(final, seed, threshold);
	return (
		<Box flexDirection="column">
			<Text bold color={final.interrupted ? 'yellow' : threshold?.exceeded ? 'red' : 'green'}>{headline}</Text>
			{rest.map(line => <Text key={line} wrap="truncate">{line}</Text>)}
		</Box>
	);
}
