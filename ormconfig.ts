import { config as loadDotEnv } from 'dotenv';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { buildConfiguration, withDevelopmentSecret } from './src/config';
import { buildDataSourceOptions } from './src/database/database.options';

loadDotEnv({ quiet: true });

const config = buildConfiguration(withDevelopmentSecret(process.env));
if (!config.postgres) {
  throw new Error(
    'The TypeORM CLI needs a database: set DATABASE_URL or DB_HOST/DB_PORT/DB_USER/DB_PASS/DB_NAME',
  );
}

/** The data source of the TypeORM CLI (`npm run migration:*`), built like the runtime one. */
export default new DataSource({
  ...buildDataSourceOptions(config.postgres, config),
  entities: [join(__dirname, 'src', '**', '*.entity.{ts,js}')],
});
