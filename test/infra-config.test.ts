/** Stage settings: defaults in one place, cdk.json's stages valid, bad overrides named at the edge. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_STAGE_SETTINGS, resolveStageSettings, stageOverridesFrom } from '../infra/config';

const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'));
const stages = cdkJson.context['lakestep:stages'] as Record<string, unknown>;

describe('resolveStageSettings', () => {
  it('resolves every stage of cdk.json, dev disposable and verbose, prod retained and quiet', () => {
    expect(Object.keys(stages).sort()).toEqual(['dev', 'prod']);
    const dev = resolveStageSettings('dev', stageOverridesFrom(stages, 'dev'));
    const prod = resolveStageSettings('prod', stageOverridesFrom(stages, 'prod'));
    expect(dev).toMatchObject({ namePrefix: 'lakestep-dev', removal: 'destroy', includeExecutionData: true });
    expect(prod).toMatchObject({
      namePrefix: 'lakestep-prod',
      removal: 'retain',
      includeExecutionData: false,
    });
    expect(cdkJson.context['lakestep:stage']).toBe('dev');
  });

  it('applies the defaults to a stage listed without settings', () => {
    expect(resolveStageSettings('qa', stageOverridesFrom({ ...stages, qa: {} }, 'qa'))).toEqual({
      namePrefix: 'lakestep-qa',
      ...DEFAULT_STAGE_SETTINGS,
    });
  });

  it('refuses a stage cdk.json does not list (a typo would synthesize a new stack), naming the known ones', () => {
    expect(() => stageOverridesFrom(stages, 'prd')).toThrow("unknown stage 'prd' (known stages: dev, prod)");
  });

  it('names every unknown key and bad value', () => {
    expect(() =>
      resolveStageSettings('dev', {
        logRetentionDays: 10,
        removal: 'keep',
        alertEmail: 'nobody',
        colour: 'red',
      }),
    ).toThrow(
      /alertEmail must be an e-mail address.*logRetentionDays must be one of 1, 3, 5, 7, 14.*got 10.*removal must be 'destroy' or 'retain', got "keep".*colour is not a setting/,
    );
    expect(() => resolveStageSettings('dev', { bytesScannedCutoffMb: 5 })).toThrow(
      /bytesScannedCutoffMb must be an integer from 10/,
    );
    expect(() => resolveStageSettings('dev', [])).toThrow(/must be an object/);
  });

  it('rejects a stage that cannot be part of a database name', () => {
    expect(() => resolveStageSettings('my-stage')).toThrow(/stage 'my-stage' must be 1-16 lowercase/);
  });
});
