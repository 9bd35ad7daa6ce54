// npm run openapi: writes openapi.json at the repository root from the route table, formatted
// as prettier formats it (lint checks every committed file).
import { writeFileSync } from 'node:fs';
import { formattedOpenApi, OPENAPI_FILE } from '../src/api/openapi-file.ts';

writeFileSync(OPENAPI_FILE, await formattedOpenApi());
console.log(`wrote ${OPENAPI_FILE}`);
