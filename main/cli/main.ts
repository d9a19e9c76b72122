import { runCli } from './program.js';
import { processIo } from './io.js';

/** Process entry of the `torus-token` bin. */
const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
