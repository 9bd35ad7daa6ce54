// The committed openapi.json: where it lives and its text, as prettier writes it. Kept apart
// from openapi.ts so the running API never loads prettier.
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from './openapi.ts';

export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi.json', import.meta.url));

export async function formattedOpenApi(): Promise<string> {
  return format(JSON.stringify(openApiDocument()), { ...(await resolveConfig(OPENAPI_FILE)), parser: 'json' });
}
