/** The flags as meow gives them: every value is text, so this module owns parsing and its errors. */
export type CliFlags = {
	readonly messages?: string;
	readonly senders?: string;
	readonly mean?: string;
	readonly spread?: string;
	readonly distribution?: string;
	readonly failureRate?: string;
	readonly sender?: readonly string[];
	readonly interval?: string;
	readonly seed?: string;
	readonly speed?: string;
	readonly maxBodyLength?: string;
	readonly json?: boolean;
	readonly events?: boolean;
	readonly config?: string;
	readonly maxFailureRate?: string;
	readonly threshold?: readonly string[];
	readonly rate?: string;
	readonly arrival?: string;
	readonly charset?: string;
	readonly priority?: string;
	readonly input?: string;
	readonly inputFormat?: string;
	readonly maxAttempts?: string;
	readonly backoff?: string;
	readonly backoffMax?: string;
	readonly permanentFailureRate?: string;
};
