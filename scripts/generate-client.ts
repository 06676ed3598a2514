import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { ROOT } from './bundle.js';
import { CLIENT_SCHEMA_PATH, generateClientSchema } from './client-schema.js';

/** `make client`: regenerates packages/client's types from the API's current OpenAPI document. */
await mkdir(dirname(CLIENT_SCHEMA_PATH), { recursive: true });
await writeFile(CLIENT_SCHEMA_PATH, await generateClientSchema());
console.log(`wrote ${relative(ROOT, CLIENT_SCHEMA_PATH)}`);
