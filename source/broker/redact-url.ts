/**
 * The URL without its password, for messages. A password may hold `@` (a URL parser takes the
 * last `@` before the host as the end of the user's part, and so does the broker's client), so
 * everything between `user:` and that last `@` goes, whether or not the URL parses.
 */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		parsed.password &&= '***';
		return parsed.toString().replace(/\/$/, '');
	} catch {
		return url.replace(/^([^:]*:\/\/[^:/@]*):[^/]*@/, '$1:***@');
	}
}
