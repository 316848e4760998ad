import {Box, Text} from 'ink';
import type {Snapshot} from '../engine/snapshot.js';
import {groupTable} from '../reports/lines.js';

type Props = {
	readonly snapshot: Snapshot;
	/** Most rows to show; the busiest groups first when there are more. */
	readonly limit: number;
};

/** Per-group senders, sent, failed and average send time. */
export function GroupTable({snapshot, limit}: Props) {
	const [header, ...rows] = groupTable(snapshot, limit);
	return (
		<Box flexDirection='column'>
			<Text bold wrap='truncate'>{header}</Text>
			{rows.map(row => <Text key={row} wrap='truncate'>{row}</Text>)}
		</Box>
	);
}
