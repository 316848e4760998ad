/** The two functions of jStat (no types of its own) that confidence.ts uses. */
declare module 'jstat' {
	const jStat: {
		readonly studentt: {readonly inv: (p: number, degreesOfFreedom: number) => number};
		readonly beta: {readonly inv: (p: number, alpha: number, beta: number) => number};
	};
	export default jStat;
}
