// Entry point of the backup program, bundled to build/k3s/backup.js.

import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
