/** Lambda: Check analytics (the checks' queries in the workgroup ATHENA_WORKGROUP names). */
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaAnalyticsChecks } from './aws/athena-analytics-checks';
import { checkAnalytics, checkAnalyticsInputSchema } from './core/check-analytics';
import { ContractError } from './core/errors';
import { lambdaHandler } from './lambda-runtime';

let athena: AthenaClient | undefined;

export const handler = lambdaHandler(checkAnalyticsInputSchema, (input, ports) => {
  const workGroup = process.env.ATHENA_WORKGROUP;
  if (!workGroup) throw new ContractError('ATHENA_WORKGROUP is not set: the function is misconfigured');
  athena ??= new AthenaClient({});
  return checkAnalytics(input, { ...ports, analyticsChecks: new AthenaAnalyticsChecks(athena, workGroup) });
});
