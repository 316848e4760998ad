/**
 * A delivery receipt's text, as SMPP 3.4 (Appendix B) gives it and SMSCs send it in a deliver_sm
 * with esm_class 0x04:
 *
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...
 */
export type Receipt = {
	/** The message_id the submit_sm_resp gave. */
	readonly id: string;
	readonly submitted: Date;
	readonly done: Date;
	readonly stat: 'DELIVRD' | 'UNDELIV';
	/** The network's error code, three digits; 000 when delivered. */
	readonly err: string;
	/** The start of the message's text (the specification's first 20 characters). */
	readonly text: string;
};

const two = (value: number): string => String(value).padStart(2, '0');

/** YYMMDDhhmm, in UTC. */
export const receiptDate = (date: Date): string => `${two(date.getUTCFullYear() % 100)}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}`;

export function receiptText(receipt: Receipt): string {
	const delivered = receipt.stat === 'DELIVRD' ? '001' : '000';
	return `id:${receipt.id} sub:001 dlvrd:${delivered} submit date:${receiptDate(receipt.submitted)} done date:${receiptDate(receipt.done)} stat:${receipt.stat} err:${receipt.err} text:${receipt.text.slice(0, 20)}`;
}

/** The fields of a receipt's text, or undefined when it is not one (a client matches receipts to messages by `id`). */
export function parseReceipt(text: string): {readonly id: string; readonly stat: string; readonly err: string} | undefined {
	const [, id, stat, errorCode] = /\bid:(\S+) .*\bstat:(\w+) err:(\w+)/i.exec(text) ?? [];
	return id === undefined || stat === undefined || errorCode === undefined ? undefined : {id, stat: stat.toUpperCase(), err: errorCode};
}
