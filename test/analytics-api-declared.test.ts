/**
 * The analytics API is declared by the workflow that has it (`analyticsApi`): the built-in workflow
 * gets its alarms, a workflow without one gets none (jaffle-shop's stack has no API, so alarms on its
 * metrics would watch nothing), and a declaration naming a table no materialization writes fails
 * `npm run asl` / `cdk synth`.
 */
import { alarmsFor } from '../workflows/alarms';
import { workflowProblems } from '../workflows/check-workflow';
import { JAFFLE_SHOP } from '../workflows/jaffle-shop.workflow';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const apiAlarmIds = (w: typeof YOUTUBE_TRENDING) =>
  alarmsFor(w)
    .filter((a) => a.type === 'metric' && a.scope.type === 'api')
    .map((a) => a.id);

it('gives the API alarms only to a workflow that declares the API', () => {
  expect(YOUTUBE_TRENDING.analyticsApi).toEqual({ table: 'category_daily' });
  expect(apiAlarmIds(YOUTUBE_TRENDING).length).toBeGreaterThan(0);
  expect(JAFFLE_SHOP.analyticsApi).toBeUndefined();
  expect(apiAlarmIds(JAFFLE_SHOP)).toEqual([]);
  // Nor does jaffle-shop's paging composite wait on an API alarm.
  const composite = alarmsFor(JAFFLE_SHOP).find((a) => a.type === 'composite');
  expect(composite?.type === 'composite' && composite.anyOf.some((id) => /api/i.test(id))).toBe(false);
});

it('refuses an analyticsApi over a table no materialization writes', () => {
  expect(workflowProblems({ ...JAFFLE_SHOP, analyticsApi: { table: 'category_daily' } })).toEqual([
    'workflow jaffle-shop: analyticsApi.table is "category_daily", which no materialization writes (they write orders, customers): name one, or remove analyticsApi',
  ]);
});
