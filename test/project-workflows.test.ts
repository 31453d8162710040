/** Choosing a project's workflow: the named one, the only one, or an error that lists them. */
import { WORKFLOWS, workflowNamed } from '../workflows/project';
import type { Workflow } from '../workflows/types';
import { YOUTUBE_TRENDING } from '../workflows/youtube-trending.workflow';

const other = { ...YOUTUBE_TRENDING, name: 'jaffle-shop' } as Workflow;

describe('workflowNamed', () => {
  it('answers the only workflow when none is named, and the named one', () => {
    expect(WORKFLOWS.map((w) => w.name)).toContain('youtube-trending');
    expect(workflowNamed(undefined, [YOUTUBE_TRENDING])).toBe(YOUTUBE_TRENDING);
    expect(workflowNamed('jaffle-shop', [YOUTUBE_TRENDING, other])).toBe(other);
  });

  it('asks for --workflow when there are several, listing them', () => {
    expect(() => workflowNamed(undefined, [YOUTUBE_TRENDING, other])).toThrow(
      'This project has 2 workflows (youtube-trending, jaffle-shop): choose one with --workflow NAME',
    );
  });

  it('names the unknown workflow and the known ones', () => {
    expect(() => workflowNamed('youtube', [YOUTUBE_TRENDING, other])).toThrow(
      'No workflow named "youtube" in this project: --workflow takes one of youtube-trending, jaffle-shop',
    );
    expect(() => workflowNamed(undefined, [])).toThrow('This project has no workflow: add one in workflows/');
  });
});
