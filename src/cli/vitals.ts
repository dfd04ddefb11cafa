// The `vitals` command's entry: `node dist/cli/vitals.js <command>` after `npm run build` (the systemd
// unit runs `server` this way); bin/vitals.js imports it, compiled or through tsx (see docs/development.md).
import { main } from './main.ts';

await main(process.argv);
