import { runTorusToken } from './entry.js';
import { processIo } from './io.js';
import { reportFailure } from './report-error.js';

/** Process entry of the `torus-token` bin (npm) and of the single executable (no top-level await: it is CommonJS there). */
const io = processIo();
runTorusToken(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportFailure(error, io, false);
  },
);
