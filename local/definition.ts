/**
 * A workflow's committed ASL as local executions run it: read once, hashed (a redrive must run the
 * definition its execution started with), its placeholders replaced by local names shaped like AWS's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { placeholders, placeholdersIn } from '../workflows/render-asl';
import type { Workflow } from '../workflows/types';
import { type BoundTask, findTasks } from './bindings';
import { LOCAL_DATABASES } from './catalog';
import type { AslDefinition } from './redrive';

export const ASL_DIR = resolve(__dirname, '..', 'asl');

export type LocalMachine = InstanceType<typeof StateMachine>;

/** Local values for every placeholder: names shaped like the AWS ones, so ARN-parsing code sees real shapes. */
export function localSubstitutions(text: string): Record<string, string> {
  const subs: Record<string, string> = {};
  for (const name of placeholdersIn(text)) {
    const kebab = name
      .replace(/(FunctionArn|JobName|CrawlerName)$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase();
    if (name in LOCAL_DATABASES) subs[name] = LOCAL_DATABASES[name as keyof typeof LOCAL_DATABASES];
    else if (name.endsWith('FunctionArn'))
      subs[name] = `arn:aws:lambda:local:000000000000:function:lakestep-local-${kebab}`;
    else if (name.endsWith('JobName') || name.endsWith('CrawlerName')) subs[name] = `lakestep-local-${kebab}`;
    else if (name === placeholders.athenaWorkGroup) subs[name] = 'lakestep-local';
    else throw new Error(`No local value for placeholder \${${name}}`);
  }
  return subs;
}

export function substitute(text: string, subs: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z][A-Za-z0-9]*)\}/g, (m, name: string) => subs[name] ?? m);
}

/** A state machine of the local runtime, without the ARN checks (local names are not real ARNs). */
export function machineFor(definition: AslDefinition): LocalMachine {
  return new StateMachine(definition as never, { validationOptions: { checkArn: false } });
}

export class LocalDefinition {
  /** The ASL file executions run: the workflow's committed one, or another (fixtures, tests). */
  readonly file: string;
  readonly sha256: string;
  /** The Task states (nested ones included), with the placeholder each names. */
  readonly tasks: readonly BoundTask[];
  /** Every placeholder's local value. */
  readonly substitutions: Record<string, string>;
  private readonly rawText: string;
  private whole: LocalMachine | null = null;

  constructor(workflow: Workflow, file?: string) {
    this.file = file ? resolve(file) : resolve(ASL_DIR, `${workflow.name}.asl.json`);
    this.rawText = readFileSync(this.file, 'utf8');
    this.sha256 = createHash('sha256').update(this.rawText).digest('hex');
    this.tasks = findTasks(JSON.parse(this.rawText));
    this.substitutions = localSubstitutions(this.rawText);
  }

  /** The definition with its placeholders replaced by local names (a fresh copy each call). */
  definition(): AslDefinition {
    return JSON.parse(substitute(this.rawText, this.substitutions)) as AslDefinition;
  }

  /** The whole definition's machine, built and validated once (~0.2 s a time): what first runs use. */
  wholeMachine(): LocalMachine {
    this.whole ??= machineFor(this.definition());
    return this.whole;
  }
}
