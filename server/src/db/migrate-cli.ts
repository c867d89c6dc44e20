import { loadConfig } from '../config/index.ts';
import { createDatabase, ensureDatabase, migrateDatabase } from './client.ts';

/** `npm run db:migrate`: the same migration step `npm start` runs, on its own. */
const config = loadConfig();
await ensureDatabase(config.databaseUrl);
const database = createDatabase(config.databaseUrl, { connectionLimit: 2 });
await migrateDatabase(database);
await database.close();
console.log(`migrated ${new URL(config.databaseUrl).pathname.slice(1)}`);
