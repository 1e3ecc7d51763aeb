#!/usr/bin/env node
// The `rollcall` executable. tsx compiles the TypeScript sources as they load, so the checkout runs
// as it is, with no build step between an edit and the next run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// A failed serve may leave timers or sockets behind that would keep the process alive.
if (code !== 0) process.exit(code);
