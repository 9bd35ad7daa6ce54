// `phonefleet`: the operators' command line (bin/phonefleet.mjs, `npm run phonefleet --`). The
// commands are in program.ts; `phonefleet --help` lists them, the environment and the exit codes.
import { runPhonefleet } from './program.ts';

process.exitCode = await runPhonefleet(process.argv.slice(2));
