// `vitals agent`: built in src/agent (which knows nothing of the server), added to the CLI in main.ts.
export { agentCommand } from '../agent/index.ts';
