/** Lambda: Register partition (the Glue catalog database comes from CATALOG_DATABASE_CLEANSED). */
import { GlueClient } from '@aws-sdk/client-glue';
import { GlueCatalog } from './aws/glue-catalog';
import { ContractError } from './core/errors';
import { registerPartition, registerPartitionInputSchema } from './core/register-partition';
import { bucketsFromEnv, lambdaHandler } from './lambda-runtime';

let catalog: GlueCatalog | undefined;

function catalogFromEnv(env: NodeJS.ProcessEnv): GlueCatalog {
  const database = env.CATALOG_DATABASE_CLEANSED;
  if (!database)
    throw new ContractError('CATALOG_DATABASE_CLEANSED is not set: the function is misconfigured');
  catalog ??= new GlueCatalog(new GlueClient({}), database, bucketsFromEnv(env).cleansed);
  return catalog;
}

export const handler = lambdaHandler(registerPartitionInputSchema, (input, ports) =>
  registerPartition(input, { ...ports, catalog: catalogFromEnv(process.env) }),
);
