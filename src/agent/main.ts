// A lean entry for the agent alone: `node dist/agent/main.js [options]` after `npm run build`, the same
// as `vitals agent [options]` but without loading the server's modules (and without tsx): this is what
// keeps the agent's RSS low. See docs/agent.md.
import { agentCommand } from './command.ts';

await agentCommand().name('vitals-agent').parseAsync(process.argv);
