// Preloaded (NODE_OPTIONS=--import) into a program of a broker test: its machine's clock reads
// SMS_SIM_TEST_CLOCK_AHEAD_MS ahead of everyone else's, as a real machine's may.
const aheadMs = Number(process.env.SMS_SIM_TEST_CLOCK_AHEAD_MS ?? 0);
const realNow = Date.now;
Date.now = () => realNow() + aheadMs;
