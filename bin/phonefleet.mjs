#!/usr/bin/env node
// The `phonefleet` command (package.json "bin"): runs src/cli/phonefleet.ts through tsx, as the
// npm scripts run the other TypeScript entry points.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/phonefleet.ts');
