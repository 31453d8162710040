/** The state machine graph: ASL → nodes and labelled edges → dagre layout → SVG / Mermaid, and `lakestep graph`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GRAPH_CSS,
  type GraphNode,
  graphFromDefinition,
  renderMermaid,
  renderSvg,
  type StateGraph,
} from '../local/graph';
import { cli, ROOT, tempDir } from './helpers/lake';

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'asl', name), 'utf8'));
const committed = (): Json =>
  JSON.parse(readFileSync(join(ROOT, 'asl', 'youtube-trending.asl.json'), 'utf8'));
const NESTED = fixture('nested.asl.json');

/** Every state of a definition with its path id, walked independently of the module under test. */
function statesOf(scope: Json, parent: string | null = null): { id: string; name: string; state: Json }[] {
  return Object.entries(scope.States as Record<string, Json>).flatMap(([name, state]) => {
    const id = parent ? `${parent}/${name}` : name;
    const inner = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    const branches = [...(inner ? [inner] : []), ...((state.Branches as Json[] | undefined) ?? [])];
    return [{ id, name, state }, ...branches.flatMap((b) => statesOf(b, id))];
  });
}

/** Every transition the ASL declares, as "from → to (kind)". */
function transitionsOf(definition: Json): string[] {
  const out: string[] = [];
  for (const { id, state } of statesOf(definition)) {
    const sibling = (name: unknown) =>
      id.includes('/') ? `${id.slice(0, id.lastIndexOf('/'))}/${name}` : String(name);
    if (typeof state.Next === 'string') out.push(`${id} → ${sibling(state.Next)} (next)`);
    for (const r of (state.Choices as Json[] | undefined) ?? [])
      out.push(`${id} → ${sibling(r.Next)} (choice)`);
    if (typeof state.Default === 'string') out.push(`${id} → ${sibling(state.Default)} (default)`);
    for (const c of (state.Catch as Json[] | undefined) ?? []) out.push(`${id} → ${sibling(c.Next)} (catch)`);
  }
  return out;
}

const edgeKeys = (g: StateGraph) => g.edges.map((e) => `${e.from} → ${e.to} (${e.kind})`);
const states = (g: StateGraph) => g.nodes.filter((n) => n.type !== 'Start' && n.type !== 'End');
const isContainer = (n: GraphNode) => n.type === 'Map' || n.type === 'Parallel';
const overlaps = (a: GraphNode, b: { x: number; y: number; width: number; height: number }) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const ancestors = (g: StateGraph, n: GraphNode): string[] => {
  const out: string[] = [];
  for (let p = n.parent; p; p = g.nodes.find((m) => m.id === p)?.parent ?? null) out.push(p);
  return out;
};

describe.each([
  ['the committed ASL', committed()],
  ['the nested fixture (Map, Parallel, Pass, Wait, Catch, nested Choice)', NESTED],
  [
    'the loops fixture (self-loops, a loop back into a Map, a branch that only fails)',
    fixture('loops.asl.json'),
  ],
])('graph of %s', (_name, definition) => {
  const graph = graphFromDefinition(definition);

  it('has one node per state, nested ones included, with path ids and parents', () => {
    const expected = statesOf(definition);
    expect(states(graph).map((n) => n.id)).toEqual(expected.map((s) => s.id));
    for (const n of states(graph)) {
      const s = expected.find((e) => e.id === n.id) as (typeof expected)[number];
      expect([n.id, n.name, n.type]).toEqual([n.id, s.name, s.state.Type]);
      expect(n.parent).toBe(n.id.includes('/') ? n.id.slice(0, n.id.lastIndexOf('/')) : null);
    }
    expect(graph.nodes.filter((n) => n.type === 'Start').map((n) => n.id)).toEqual(['__start__']);
    expect(graph.nodes.filter((n) => n.type === 'End').map((n) => n.id)).toEqual(['__end__']);
  });

  it('has an edge for every Next, Choice rule, Default and Catch, plus Start and End', () => {
    const ends = statesOf(definition)
      .filter(({ id, state }) => !id.includes('/') && (state.End === true || state.Type === 'Succeed'))
      .map(({ id }) => `${id} → __end__ (next)`);
    expect(edgeKeys(graph).sort()).toEqual(
      [`__start__ → ${definition.StartAt} (next)`, ...transitionsOf(definition), ...ends].sort(),
    );
    for (const e of graph.edges) {
      if (e.kind === 'next') expect(e.label).toBeUndefined();
      else
        expect([e.from, e.to, typeof e.label, (e.label ?? '').length > 0]).toEqual([
          e.from,
          e.to,
          'string',
          true,
        ]);
    }
  });

  it('draws every container around its states, and no two boxes on top of each other', () => {
    for (const n of graph.nodes) {
      for (const p of ancestors(graph, n)) {
        const c = graph.nodes.find((m) => m.id === p) as GraphNode;
        expect([
          n.id,
          p,
          n.x > c.x,
          n.y > c.y,
          n.x + n.width < c.x + c.width,
          n.y + n.height < c.y + c.height,
        ]).toEqual([n.id, p, true, true, true, true]);
      }
    }
    for (const a of graph.nodes)
      for (const b of graph.nodes) {
        if (a === b || ancestors(graph, a).includes(b.id) || ancestors(graph, b).includes(a.id)) continue;
        expect([a.id, b.id, overlaps(a, b)]).toEqual([a.id, b.id, false]);
      }
  });

  it('puts edge labels where no state box is, and every edge from its source border to its target border', () => {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    const onBorder = (p: { x: number; y: number }, n: GraphNode) =>
      p.x >= n.x - 1.5 &&
      p.x <= n.x + n.width + 1.5 &&
      p.y >= n.y - 1.5 &&
      p.y <= n.y + n.height + 1.5 &&
      (Math.abs(p.x - n.x) < 1.5 ||
        Math.abs(p.x - n.x - n.width) < 1.5 ||
        Math.abs(p.y - n.y) < 1.5 ||
        Math.abs(p.y - n.y - n.height) < 1.5);
    for (const e of graph.edges) {
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      const first = e.points[0] as { x: number; y: number };
      const last = e.points[e.points.length - 1] as { x: number; y: number };
      expect([e.from, e.to, onBorder(first, byId.get(e.from) as GraphNode)]).toEqual([e.from, e.to, true]);
      expect([e.from, e.to, onBorder(last, byId.get(e.to) as GraphNode)]).toEqual([e.from, e.to, true]);
      if (e.label === undefined) continue;
      const box = { x: (e.labelX as number) - 4, y: (e.labelY as number) - 4, width: 8, height: 8 };
      for (const n of graph.nodes.filter((m) => !isContainer(m)))
        expect([e.label, n.id, overlaps(n, box)]).toEqual([e.label, n.id, false]);
    }
  });

  it('fits inside its width and height, and renders the same bytes every time', () => {
    for (const n of graph.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(graph.width);
      expect(n.y + n.height).toBeLessThanOrEqual(graph.height);
    }
    expect(graph.width).toBeLessThanOrEqual(1200); // a laptop-width page shows it without scrolling sideways
    const again = graphFromDefinition(JSON.parse(JSON.stringify(definition)));
    expect(again).toEqual(graph);
    expect(renderSvg(again, { title: 't' })).toBe(renderSvg(graph, { title: 't' }));
    expect(renderMermaid(definition)).toBe(renderMermaid(JSON.parse(JSON.stringify(definition))));
  });

  it('renders an SVG with one focusable group per state and per edge, labels included', () => {
    const svg = renderSvg(graph, { title: 'My graph' });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toMatch(
      new RegExp(
        `^<svg [^>]*viewBox="0 0 ${graph.width} ${graph.height}" width="${graph.width}" height="${graph.height}"`,
      ),
    );
    const groups = [
      ...svg.matchAll(
        /<g class="state state-([a-z]+)" data-state="([^"]*)" tabindex="0" role="button" aria-label="([^"]*)">/g,
      ),
    ];
    expect(groups.map((m) => m[2])).toEqual(
      expect.arrayContaining(states(graph).map((n) => n.id.replace(/&/g, '&#38;').replace(/"/g, '&#34;'))),
    );
    expect(groups).toHaveLength(states(graph).length);
    for (const [, type, id, label] of groups) {
      const n = graph.nodes.find((m) => m.id === unescapeXml(id as string)) as GraphNode;
      expect([id, type, unescapeXml(label as string)]).toEqual([
        id,
        n.type.toLowerCase(),
        `${n.name} (${n.type})`,
      ]);
    }
    expect(svg.match(/<g class="terminal[^"]*"/g)).toHaveLength(2);
    expect(svg).not.toMatch(/class="terminal[^>]*data-state/);
    const edges = [
      ...svg.matchAll(/<g class="edge edge-([a-z]+)" data-from="([^"]*)" data-to="([^"]*)">(.*?)<\/g>/g),
    ];
    expect(
      edges.map((m) => `${unescapeXml(m[2] as string)} → ${unescapeXml(m[3] as string)} (${m[1]})`),
    ).toEqual(edgeKeys(graph));
    edges.forEach((m, i) => {
      const label = graph.edges[i]?.label;
      const texts = [...(m[4] as string).matchAll(/<text class="edge-label"[^>]*>(.*?)<\/text>/g)];
      if (label === undefined) expect(texts).toHaveLength(0);
      else expect(unescapeXml((texts[0]?.[1] ?? '').replace(/<[^>]+>/g, ''))).toBe(label);
    });
  });
});

describe('graph labels', () => {
  it('labels Choice rules by Comment or by a readable condition, Default as otherwise, Catch by errors', () => {
    const labels = (g: StateGraph) =>
      g.edges.filter((e) => e.label).map((e) => `${e.from} → ${e.to}: ${e.label}`);
    expect(labels(graphFromDefinition(committed()))).toEqual([
      'Which dataset? → Object rejected: $.ingest.status == "rejected"',
      'Which dataset? → Small object?: $.ingest.dataset == "statistics"',
      'Which dataset? → Check data quality: $.ingest.dataset == "categories"',
      'Small object? → Transform small batch: $.ingest.sizeBytes < 20971520',
      'Small object? → Acquire transform slot: otherwise',
      'Slot acquired? → Transform batch: $.admission.acquired == true',
      'Slot acquired? → Wait for a transform slot: otherwise',
      'Quality passed? → Promote batch: $.quality.passed == true',
      'Quality passed? → Quarantine batch: otherwise',
      'Catalog up to date? → Request region merge: $.catalog.crawl == false',
      'Catalog up to date? → Start crawler: otherwise',
      'Start crawler → Wait for crawler: Glue.CrawlerRunningException',
      'Crawler finished? → Check crawl result: $.crawler.state == "READY" and $.crawl.ours is present',
      'Crawler finished? → Register partition: $.crawler.state == "READY"',
      'Crawler finished? → Wait for crawler: otherwise',
      'Crawl again? → Start crawler: $.crawlResult.recrawl == true',
      'Crawl again? → Request region merge: otherwise',
      'Region merge turn? → Materialize category_daily: $.regionMerge.action == "run"',
      'Region merge turn? → Publish run summary: $.regionMerge.action == "covered"',
      'Region merge turn? → Wait for the region merge: otherwise',
    ]);
    expect(labels(graphFromDefinition(NESTED))).toEqual([
      'Process each file/Load file → Process each file/Skip file: Lake.ObjectNotFound, States.Timeout',
      'Process each file/Is the file big? → Process each file/Compress file: $.size > 1000000 and not ($.compressed == true)',
      'Process each file/Is the file big? → Process each file/File done: small or already compressed',
      'Process each file/Is the file big? → Process each file/Skip file: otherwise',
      'Process each file → Report failure: States.ALL',
      'Publish in parallel → Report failure: States.TaskFailed',
    ]);
  });

  it('renders every comparison operator readably', () => {
    const rule = (cond: Json) =>
      graphFromDefinition({
        StartAt: 'C',
        States: { C: { Type: 'Choice', Choices: [{ ...cond, Next: 'D' }] }, D: { Type: 'Succeed' } },
      }).edges.find((e) => e.kind === 'choice')?.label;
    expect(rule({ Variable: '$.n', NumericLessThan: 3 })).toBe('$.n < 3');
    expect(rule({ Variable: '$.n', NumericGreaterThanEqualsPath: '$.m' })).toBe('$.n >= $.m');
    expect(rule({ Variable: '$.t', TimestampLessThanEquals: '2024-01-01T00:00:00Z' })).toBe(
      '$.t <= "2024-01-01T00:00:00Z"',
    );
    expect(rule({ Variable: '$.s', StringMatches: 'log-*.txt' })).toBe('$.s matches "log-*.txt"');
    expect(rule({ Variable: '$.s', IsNull: false })).toBe('$.s is not null');
    expect(rule({ Variable: '$.s', IsPresent: false })).toBe('$.s is absent');
    expect(
      rule({ Or: [{ Variable: '$.a', IsString: true }, { Not: { Variable: '$.b', IsNumeric: true } }] }),
    ).toBe('$.a is a string or not ($.b is a number)');
    expect(
      rule({
        And: [
          { Variable: '$.a', BooleanEquals: true },
          {
            Or: [
              { Variable: '$.b', NumericEquals: 1 },
              { Variable: '$.b', NumericEquals: 2 },
            ],
          },
        ],
      }),
    ).toBe('$.a == true and ($.b == 1 or $.b == 2)');
    expect(rule({ Condition: '{% $states.input.n > 3 %}' })).toBe('$states.input.n > 3');
  });

  it('shortens Task resources to service:action and says how long a Wait lasts', () => {
    const g = graphFromDefinition(NESTED);
    const byName = (name: string) => g.nodes.find((n) => n.name === name) as GraphNode;
    expect(byName('Load file').resource).toBe('lambda:invoke');
    expect(byName('Compress file').resource).toBe('glue:startJobRun.sync');
    expect(byName('Refresh partition').resource).toBe('athena:startQueryExecution');
    expect(byName('Report failure').resource).toBe('lambda:report-failure');
    expect(byName('Pause before refresh').detail).toBe('5 s');
    expect(byName('Run failed').detail).toBe('RunFailed');
  });
});

describe('SVG', () => {
  const tricky = {
    StartAt: 'Check "A" & <B>',
    States: {
      'Check "A" & <B>': {
        Type: 'Choice',
        Choices: [{ Variable: '$.x', StringEquals: '<script>&', Next: "It's done" }],
        Default: "It's done",
      },
      "It's done": { Type: 'Succeed' },
    },
  };

  it('escapes names and labels', () => {
    const svg = renderSvg(graphFromDefinition(tricky), { title: 'a < b & "c"' });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).not.toContain('<B>');
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('data-state="Check &#34;A&#34; &#38; &#60;B&#62;"');
    expect(svg).toContain('aria-label="It&#39;s done (Succeed)"');
    expect(svg).toContain('<title>a &#60; b &#38; &#34;c&#34;</title>');
  });

  it('styles by class only, with defaults for every status the inspector sets', () => {
    const svg = renderSvg(graphFromDefinition(NESTED), { standalone: true });
    expect(
      svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'),
    ).toBe(true);
    expect(svg).toContain(`<style>${GRAPH_CSS}</style>`);
    for (const status of ['succeeded', 'failed', 'retried', 'caught', 'running', 'notreached'])
      expect(GRAPH_CSS).toMatch(new RegExp(`\\[data-state\\]\\.status-${status} > \\.shape \\{[^}]*fill:`));
    // No inline presentation on states or edges: a page's CSS can restyle everything.
    const body = svg.slice(svg.indexOf('</defs>'));
    expect(body).not.toMatch(/<(g|rect|polygon|path|text)[^>]* (style|fill|stroke)=/);
  });

  it('draws Map and Parallel as container groups behind their states', () => {
    const svg = renderSvg(graphFromDefinition(NESTED));
    const order = [...svg.matchAll(/data-state="([^"]*)"/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual([
      'Process each file',
      'Publish in parallel',
      'Publish in parallel/Refresh each partition',
    ]);
    expect(svg).toMatch(/<g class="state state-map" data-state="Process each file"[^>]*><rect class="shape"/);
    expect(svg).toMatch(/<g class="state state-parallel" data-state="Publish in parallel"/);
  });
});

describe('Mermaid', () => {
  it('declares every state once, Map and Parallel as subgraphs, and labels the edges', () => {
    const text = renderMermaid(NESTED);
    expect(text.startsWith('flowchart TD\n')).toBe(true);
    expect(text.match(/^\s*subgraph /gm)).toHaveLength(3);
    expect(text.match(/^\s*end$/gm)).toHaveLength(3);
    for (const { name } of statesOf(NESTED)) expect([name, text.includes(`"${name}`)]).toEqual([name, true]);
    expect(text).toContain('-.->|"Lake.ObjectNotFound, States.Timeout"|');
    expect(text).toContain('-->|"$.size #gt; 1000000 and not ($.compressed == true)"|');
    expect(text).toContain('-->|"otherwise"|');
    expect(graphFromDefinition(NESTED).edges.length).toBe(
      text.split('\n').filter((l) => / -(-|\.-)>/.test(l)).length,
    );
  });

  it('escapes quotes and angle brackets and never uses a Mermaid keyword as an id', () => {
    const text = renderMermaid({
      StartAt: 'end',
      States: { end: { Type: 'Pass', Next: 'Say "hi" <now>' }, 'Say "hi" <now>': { Type: 'Succeed' } },
    });
    expect(text).toContain('s_end["end<br/><small>Pass</small>"]');
    expect(text).toContain('"Say #quot;hi#quot; #lt;now#gt;');
    expect(text).not.toMatch(/^\s*end\[/m);
  });
});

describe('malformed definitions', () => {
  const task = { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true };
  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /must be a JSON object/],
    ['no StartAt', { States: { A: task } }, /the state machine has no StartAt/],
    ['StartAt names no state', { StartAt: 'B', States: { A: task } }, /StartAt 'B' is not one of its states/],
    [
      'unknown Type',
      { StartAt: 'A', States: { A: { Type: 'Taks', End: true } } },
      /state 'A' has an unknown Type 'Taks'/,
    ],
    [
      'neither Next nor End',
      { StartAt: 'A', States: { A: { ...task, End: undefined } } },
      /state 'A' \(Task\) has neither Next nor End/,
    ],
    [
      'Next to nowhere',
      { StartAt: 'A', States: { A: { ...task, End: undefined, Next: 'Z' } } },
      /state 'A': Next 'Z' is not a state in the state machine/,
    ],
    [
      'Choice without rules',
      { StartAt: 'C', States: { C: { Type: 'Choice', Default: 'C' } } },
      /state 'C' \(Choice\) has no Choices/,
    ],
    [
      'rule without operator',
      { StartAt: 'C', States: { C: { Type: 'Choice', Choices: [{ Variable: '$.x', Next: 'C' }] } } },
      /state 'C': rule 1 compares \$\.x with no known operator/,
    ],
    [
      'Map without processor',
      { StartAt: 'M', States: { M: { Type: 'Map', End: true } } },
      /state 'M' \(Map\) has no ItemProcessor/,
    ],
    [
      'Parallel without branches',
      { StartAt: 'P', States: { P: { Type: 'Parallel', Branches: [], End: true } } },
      /state 'P' \(Parallel\) has no Branches/,
    ],
    [
      'Catch without errors',
      { StartAt: 'A', States: { A: { ...task, Catch: [{ Next: 'A' }] } } },
      /state 'A': Catch 1 needs ErrorEquals/,
    ],
    [
      'a name used twice',
      {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            End: true,
            Branches: [
              { StartAt: 'A', States: { A: task } },
              { StartAt: 'A', States: { A: task } },
            ],
          },
        },
      },
      /state 'A' is defined twice \(in branch 1 of 'P' and branch 2 of 'P'\)/,
    ],
    [
      'a branch state pointing outside',
      fixture('dangling-next.asl.json'),
      /state 'Work': Next 'Finish' is not a state in the ItemProcessor of 'Fan out'/,
    ],
  ])('%s', (_name, definition, message) => {
    expect(() => graphFromDefinition(definition)).toThrow(message);
    expect(() => renderMermaid(definition)).toThrow(message);
  });
});

describe('lakestep graph', () => {
  const { dir, cleanup } = tempDir('graph');
  afterAll(cleanup);

  it('prints the committed ASL as a standalone SVG by default', async () => {
    const out = await cli(['graph']);
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      renderSvg(graphFromDefinition(committed()), {
        title: `State machine: ${committed().Comment}`,
        standalone: true,
      }),
    );
  });

  it('writes Mermaid of another definition to a file', async () => {
    const file = join(dir, 'nested.mmd');
    const out = await cli([
      'graph',
      '--format',
      'mermaid',
      '--definition',
      join(ROOT, 'test', 'fixtures', 'asl', 'nested.asl.json'),
      '--out',
      file,
    ]);
    expect([out.code, out.stdout]).toEqual([0, '']);
    expect(readFileSync(file, 'utf8')).toBe(renderMermaid(NESTED));
  });

  it('exits 2 on usage errors and 1 naming the file and state of a bad definition', async () => {
    const bad = await cli(['graph', '--format', 'png']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be svg or mermaid, not "png"/);
    expect((await cli(['graph', 'extra'])).code).toBe(2);
    expect((await cli(['graph', '--colour'])).code).toBe(2);
    const help = await cli(['graph', '--help']);
    expect([help.code, help.stdout]).toEqual([0, expect.stringContaining('--format svg|mermaid')]);
    const dangling = join(ROOT, 'test', 'fixtures', 'asl', 'dangling-next.asl.json');
    const malformed = await cli(['graph', '--definition', dangling]);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain(`${dangling}: state 'Work': Next 'Finish' is not a state`);
    const missing = await cli(['graph', '--definition', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read the ASL definition .*nope\.json: ENOENT/);
  });
});

function unescapeXml(text: string): string {
  return text.replace(/&#(\d+);/g, (_m, code) => String.fromCharCode(Number(code)));
}

/** Tags balance, attributes are quoted, and no raw `<` or `&` appears in text: enough XML to trust. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  const body = svg.replace(/^<\?xml[^>]*\?>\n/, '');
  const tokens = body.match(/<[^>]*>|[^<]+/g) ?? [];
  for (const t of tokens) {
    if (!t.startsWith('<')) {
      if (/&(?!#\d+;|amp;|lt;|gt;|quot;|apos;)/.test(t)) return false;
      continue;
    }
    const m = /^<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&#\d+;[^"<&]*)*")*)\s*(\/?)>$/.exec(t);
    if (!m) return false;
    if (m[4]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2] as string);
  }
  return stack.length === 0;
}
