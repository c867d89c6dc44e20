import { createServices } from '../compose.ts';
import { ConfigError, loadConfig } from '../config/index.ts';
import { AppError } from '../http/errors.ts';
import { createLogger } from '../logging/logger.ts';

/**
 * `npm run queue:rebuild -- <concertId> [--force]`: the admin endpoint's rebuild, from a shell, with the same
 * configuration as the server (REDIS_URL, REDIS_PREFIX, DATABASE_URL). Prints the report as JSON; exits 1 on an
 * error and 2 when the room is live in Redis and `--force` was not given.
 */
const args = process.argv.slice(2);
const concertId = Number(args.find((a) => !a.startsWith('-')));
if (!Number.isSafeInteger(concertId) || concertId <= 0) {
  console.error('usage: npm run queue:rebuild -- <concertId> [--force]');
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
const services = await createServices(config, {
  logger: createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
});
let code = 0;
try {
  const report = await services.recovery.rebuild(concertId, { force: args.includes('--force') });
  console.log(JSON.stringify(report, null, 2));
} catch (err) {
  const refused = err instanceof AppError && (err.code === 'QUEUE_LIVE' || err.code === 'ALREADY_PROCESSING');
  code = refused ? 2 : 1;
  console.error(err instanceof AppError ? `${err.code}: ${err.message}` : err);
} finally {
  await services.close();
}
process.exit(code);
