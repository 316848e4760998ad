import {finished, start, type Finished} from '../cli/spawn.js';

/** `sms-sim gateway` on a free port of 127.0.0.1 with `args`: its port once it listens, its output once it ends, and how to stop it (SIGINT). */
export async function startGateway(args: readonly string[]): Promise<{port: number; stop: () => Promise<Finished>}> {
	const gateway = start(['gateway', '--listen', '127.0.0.1:0', ...args]);
	const output = finished(gateway);
	const port = await new Promise<number>((resolve, reject) => {
		let text = '';
		gateway.stderr.on('data', (chunk: Buffer | string) => {
			text += String(chunk);
			const match = /listening on smpp:\/\/127\.0\.0\.1:(\d+)/.exec(text);
			if (match) {
				resolve(Number(match[1]));
			}
		});
		void output.then(({stderr}) => {
			reject(new Error(`the gateway ended before it listened: ${stderr}`));
		});
	});
	return {
		port,
		async stop() {
			gateway.kill('SIGINT');
			return output;
		},
	};
}
