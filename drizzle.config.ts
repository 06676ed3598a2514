import { defineConfig } from 'drizzle-kit';

// `pnpm drizzle-kit generate` writes SQL migrations to drizzle/ from the schema in packages/core.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/core/src/db/schema/index.ts',
  out: './drizzle',
});
