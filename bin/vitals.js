#!/usr/bin/env node
// Entry of the `vitals` command. Sources are TypeScript; tsx compiles them on load, so a checkout runs
// without a build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
