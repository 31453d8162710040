/**
 * AWS's own linter on every stack template the app synthesizes (one per cdk.json stage): once as
 * synthesized, once with the state machine's definition inlined (cfn-lint's state machine rule E3601
 * reads only an inline definition; CDK's DefinitionBody.fromFile emits DefinitionS3Location). Zero
 * errors; warnings only those listed below with their reason. cfn-lint must be installed (CI has it).
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WORKFLOWS } from '../workflows/project';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';
import { type CfnTemplate, STAGE_NAMES, synthPipeline } from './permissions/template';

jest.setTimeout(300_000);

/** THE ONE LIST of accepted cfn-lint findings: rule id, where (resource path), why. */
const ACCEPTED_WARNINGS: readonly { rule: string; path: RegExp; reason: string }[] = [
  {
    rule: 'W3005',
    path: /^Resources\/\w+\/DependsOn\/\d+$/,
    reason:
      "CDK writes DependsOn on a function's (or the state machine's) role next to the GetAtt of that same role, so that the role's default policy is created first; the duplicate ordering is CDK's and harmless",
  },
];

interface LintFinding {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/** A copy with every state machine's DefinitionS3Location replaced by the uploaded file's text. */
function inlined(template: CfnTemplate, fileAssets: ReadonlyMap<string, string>): CfnTemplate {
  const copy = structuredClone(template);
  let machines = 0;
  for (const r of Object.values(copy.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine' || !r.Properties) continue;
    const location = r.Properties.DefinitionS3Location as { Key?: string } | undefined;
    const file = location?.Key ? fileAssets.get(location.Key) : undefined;
    if (!file)
      throw new Error(
        `state machine definition at ${JSON.stringify(location)} is not a file asset of the stack`,
      );
    delete r.Properties.DefinitionS3Location;
    r.Properties.DefinitionString = readFileSync(file, 'utf8');
    machines++;
  }
  if (machines === 0) throw new Error('the template has no state machine to inline');
  return copy;
}

const NOT_INSTALLED =
  'install it (pip install cfn-lint==1.51.0; CI machines have it): this test fails, it does not skip';

/** The installed cfn-lint's version; asked before the (slow) synth, so a missing linter fails at once. */
function cfnLintVersion(): string {
  const run = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0)
    throw new Error(`cfn-lint could not run (${run.error?.message ?? run.stderr.trim()}): ${NOT_INSTALLED}`);
  return run.stdout.trim();
}

function cfnLint(files: readonly string[]): LintFinding[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--', ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`cfn-lint could not run (${run.error.message}): ${NOT_INSTALLED}`);
  // Exit codes are a bit field of the levels found; 1 alone is a cfn-lint failure, not a finding.
  if (run.status === 1 || (run.status !== 0 && !run.stdout.trim()))
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout || '[]') as LintFinding[];
}

describe('cfn-lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-cfn-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files: string[] = [];
  let broken = '';
  let findings: LintFinding[] = [];

  let version = '';

  beforeAll(() => {
    version = cfnLintVersion();
    // Every stage's built-in stack, and every other workflow's stack on the first stage.
    const stacks = [
      ...STAGE_NAMES.map((stage) => ({ stage, workflow: YOUTUBE_TRENDING as Workflow })),
      ...WORKFLOWS.filter((w) => w !== YOUTUBE_TRENDING).map((workflow) => ({
        stage: STAGE_NAMES[0] as string,
        workflow,
      })),
    ];
    for (const { stage, workflow } of stacks) {
      const { template, fileAssets } = synthPipeline(stage, workflow);
      for (const [name, t] of [
        [`${stage}-${workflow.name}.template.json`, template],
        [`${stage}-${workflow.name}.inlined.template.json`, inlined(template, fileAssets)],
      ] as const) {
        files.push(join(dir, name));
        writeFileSync(join(dir, name), JSON.stringify(t, null, 1));
      }
      if (stage === STAGE_NAMES[0] && workflow === YOUTUBE_TRENDING) {
        // The test of the test: a state of an unknown Type must be an E3601 error (E3601 checks the
        // definition's schema, not its transitions: asl-validator does those, test/asl.test.ts).
        const copy = inlined(template, fileAssets);
        for (const r of Object.values(copy.Resources))
          if (r.Properties?.DefinitionString)
            r.Properties.DefinitionString = String(r.Properties.DefinitionString).replace(
              '"Type": "Wait"',
              '"Type": "Wiat"',
            );
        broken = join(dir, 'broken.inlined.template.json');
        writeFileSync(broken, JSON.stringify(copy, null, 1));
      }
    }
    findings = cfnLint([...files, broken]);
  });

  it('lints a template per stage and per workflow, as synthesized and with the definition inlined', () => {
    // Findings differ between major versions; the accepted list is for the 1.x line CI installs.
    expect(version).toMatch(/^cfn-lint 1\./);
    expect(files.length).toBe(2 * (STAGE_NAMES.length + WORKFLOWS.length - 1));
    expect(STAGE_NAMES).toEqual(expect.arrayContaining(['dev', 'prod']));
  });

  it('reads the inlined definition: a state of an unknown Type is an E3601 error', () => {
    const errors = findings.filter((f) => f.Filename === broken && f.Level === 'Error');
    expect(errors.map((f) => f.Rule.Id)).toContain('E3601');
    expect(errors.some((f) => f.Message.includes("'Wiat' is not one of"))).toBe(true);
  });

  it('finds no errors and only the accepted warnings', () => {
    const unexpected = findings
      .filter((f) => f.Filename !== broken)
      .filter(
        (f) =>
          !ACCEPTED_WARNINGS.some(
            (a) => f.Level === 'Warning' && a.rule === f.Rule.Id && a.path.test(f.Location.Path.join('/')),
          ),
      )
      .map(
        (f) =>
          `${f.Level} ${f.Rule.Id} in ${f.Filename.slice(dir.length + 1)} at ${f.Location.Path.join('/')}: ${f.Message}`,
      );
    expect(unexpected).toEqual([]);
  });
});
