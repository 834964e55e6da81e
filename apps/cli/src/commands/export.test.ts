import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import { parsePartition } from './export.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lorakit-export-'));
  const records = [
    { id: 'a1', question: 'Wie lang ist die Widerrufsfrist?', answer: 'Vierzehn Tage ab Erhalt der Ware (§ 355 BGB).' },
    { id: 'a2', question: 'Wie hoch darf die Kaution sein?', answer: 'Höchstens drei Monatsmieten ohne Betriebskosten (§ 551 BGB).' },
    { id: 'a3', question: 'Wie hoch darf die Kaution sein?', answer: 'Höchstens drei Monatsmieten ohne Betriebskosten (§ 551 BGB).' },
    { id: 'a4', question: 'Kurze Antwort?', answer: 'Ja.' },
    { id: 'a5', question: 'Muss ich Schönheitsreparaturen machen?', answer: 'Bei unrenoviert übergebener Wohnung in der Regel nicht (BGH VIII ZR 185/14).' },
  ];
  writeFileSync(join(dir, 'records.jsonl'), `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
  writeFileSync(
    join(dir, 'lorakit.yaml'),
    [
      '# test config',
      'source:',
      '  type: jsonl',
      '  path: records.jsonl',
      'field_mapping:',
      '  instruction_field: question',
      '  output_field: answer',
      'quality:',
      '  min_text_length: 10',
      'split:',
      '  validation: 0.2',
      '  id_field: id',
      'output:',
      '  dir: out',
      '',
    ].join('\n'),
  );
  return dir;
}

describe('lorakit export', () => {
  it('exports with lorakit.yaml from the working directory and prints the funnel and output paths', async () => {
    const cwd = workspace();
    const r = await runCli(['export'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^read 5 records, exported 3 \(.*\), rejected 2$/m);
    expect(r.stdout).toContain('dedup/exact_duplicate 1');
    expect(r.stdout).toContain('filter/too_short 1');
    expect(r.stdout).toContain(`output: ${join(cwd, 'out')}`);
    const train = readFileSync(join(cwd, 'out', 'train.jsonl'), 'utf8');
    expect(JSON.parse(train.split('\n')[0] ?? '')).toMatchObject({ instruction: expect.any(String), output: expect.any(String) });
  });

  it('without lorakit.yaml or source flags it says what to do', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-export-empty-'));
    const r = await runCli(['export', '--dry-run'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no lorakit.yaml in ${cwd}: pass --config FILE, or the source as flags`);
  });

  it('a lorakit.yaml without a source names the key and says what to write', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lorakit-export-nosource-'));
    writeFileSync(join(cwd, 'lorakit.yaml'), 'style: chat\n');
    const r = await runCli(['export'], { cwd });
    expect(r.code).toBe(2);
    // Before: "lorakit.yaml: source: Invalid input: expected object, received undefined".
    expect(r.stderr).toBe('lorakit: lorakit.yaml: source: missing: where the records come from, e.g. "source: { type: jsonl, path: data.jsonl }", or the flags --source.type and --source.path\n');
    // An empty "source:" too (it said "expected object, received null").
    writeFileSync(join(cwd, 'lorakit.yaml'), 'source:\nstyle: chat\n');
    expect((await runCli(['export'], { cwd })).stderr).toContain('lorakit.yaml: source: missing');
  });

  it('--source.path - reads stdin in the source\'s format', async () => {
    const cwd = workspace();
    const stdin = readFileSync(join(cwd, 'records.jsonl'), 'utf8');
    const r = await runCli(['export', '--source.path', '-', '--output.dir', 'piped'], { cwd, stdin });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^read 5 records, exported 3 /m);
    expect(readFileSync(join(cwd, 'piped', 'rejects.jsonl'), 'utf8')).toContain('"ref":"stdin:');
  });

  it('--source.type stdin --source.path - reads stdin, saying stdin twice', async () => {
    const cwd = workspace();
    const stdin = readFileSync(join(cwd, 'records.jsonl'), 'utf8');
    const r = await runCli(['export', '--source.type', 'stdin', '--source.path', '-', '--output.dir', 'piped'], { cwd, stdin });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^read 5 records, exported 3 /m);
  });

  it('flags override the config file, key by key', async () => {
    const cwd = workspace();
    const r = await runCli(['export', '--output.dir', 'elsewhere', '--dedup.exact', 'false', '--style', 'chat'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    expect(r.stdout).toMatch(/exported 4 /);
    const line = JSON.parse(readFileSync(join(cwd, 'elsewhere', 'train.jsonl'), 'utf8').split('\n')[0] ?? '') as { messages?: unknown };
    expect(Array.isArray(line.messages)).toBe(true);
  });

  it('resolves path flags against the current directory, and config-file paths against the file\'s folder', async () => {
    const cwd = workspace();
    mkdirSync(join(cwd, 'conf'));
    renameSync(join(cwd, 'lorakit.yaml'), join(cwd, 'conf', 'lorakit.yaml'));
    const r = await runCli(['export', '-c', 'conf/lorakit.yaml', '--output.dir', 'from-flag', '--source.path', 'records.jsonl'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cwd, 'from-flag', 'train.jsonl'))).toBe(true);
    expect(existsSync(join(cwd, 'conf', 'from-flag'))).toBe(false);
    // The manifest names the source relative to the config's folder, as a path in the config would, not absolutely.
    const manifest = JSON.parse(readFileSync(join(cwd, 'from-flag', 'manifest.json'), 'utf8')) as { source: string };
    expect(manifest.source).toContain('../records.jsonl');
    expect(manifest.source).not.toContain(cwd);
    // Without the flag, output.dir: out in conf/lorakit.yaml is conf/out.
    writeFileSync(join(cwd, 'conf', 'records.jsonl'), readFileSync(join(cwd, 'records.jsonl')));
    const again = await runCli(['export', '-c', 'conf/lorakit.yaml'], { cwd });
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(cwd, 'conf', 'out', 'train.jsonl'))).toBe(true);
  });

  it('runs from flags alone when there is no lorakit.yaml', async () => {
    const cwd = workspace();
    const r = await runCli(
      ['export', '--config', 'lorakit.yaml', '--source.path', 'records.jsonl', '--output.dir', 'flags-only', '--json'],
      { cwd },
    );
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { stats: { read: number }; outputDir: string; dryRun: boolean };
    expect(doc.stats.read).toBe(5);
    expect(doc.outputDir).toBe(join(cwd, 'flags-only'));
  });

  it('list flags take "a, b" as two items, so a word list is not switched off by a space', async () => {
    const cwd = workspace();
    // Before: " Monatsmieten" (with its space) matched nothing, and the filter let every record through.
    const r = await runCli(['export', '--dry-run', '--quality.toxicity.enabled', '--quality.toxicity.words', 'foo, Monatsmieten'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/filter\/toxic 2/);
  });

  it('--dry-run prints the funnel and writes nothing', async () => {
    const cwd = workspace();
    const r = await runCli(['export', '--dry-run'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^dry run: read 5 records, exported 3/m);
    expect(readdirSync(cwd).sort()).toEqual(['lorakit.yaml', 'records.jsonl']);
  });

  it('a bad value in lorakit.yaml names the key and its line: exit 2', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'bad.yaml'), 'source:\n  type: jsonl\n  path: records.jsonl\nsplit:\n  validation: 3\n');
    const r = await runCli(['export', '--config', 'bad.yaml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: bad\.yaml:5: split\.validation: /);
  });

  it('several bad keys are listed in the order of their lines in the file', async () => {
    const cwd = workspace();
    // zod reports the unknown top-level key first; the file has it last.
    writeFileSync(join(cwd, 'bad.yaml'), 'source:\n  type: jsonl\n  path: records.jsonl\nsplit:\n  validation: 3\nstyle: alpacca\ntypo: 1\n');
    const r = await runCli(['export', '--config', 'bad.yaml'], { cwd });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('  bad.yaml:'));
    expect(lines.map((l) => /^ {2}(bad\.yaml:\d+: [\w.]+)/.exec(l)?.[1])).toEqual(['bad.yaml:5: split.validation', 'bad.yaml:6: style', 'bad.yaml:7: typo']);
  });

  it('an unknown key in lorakit.yaml names its line', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'typo.yaml'), 'source:\n  type: jsonl\n  path: records.jsonl\ndedup:\n  nearr: true\n');
    const r = await runCli(['export', '--config', 'typo.yaml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: typo\.yaml:5: dedup\.nearr: unknown key/);
  });

  it('a key of another source type is named as such, not as a spelling mistake', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'semi.yaml'), 'source:\n  type: jsonl\n  path: records.jsonl\n  delimiter: ";"\n');
    const r = await runCli(['export', '--config', 'semi.yaml'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: semi\.yaml:4: source\.delimiter: not a key of source type "jsonl" \(it is one of csv, stdin\)$/m);
    // With path `-` the jsonl source reads stdin; the message still names the type written.
    writeFileSync(join(cwd, 'dash.yaml'), 'source:\n  type: jsonl\n  path: "-"\n  table: records\n');
    const dash = await runCli(['export', '--config', 'dash.yaml'], { cwd });
    expect(dash.stderr).toMatch(/^lorakit: dash\.yaml:4: source\.table: not a key of source type "jsonl" \(it is one of sqlite, postgres\)$/m);
    // A stdin source has the CSV keys, but a jsonl source reading `-` does not take them silently.
    writeFileSync(join(cwd, 'dash-semi.yaml'), 'source:\n  type: jsonl\n  path: "-"\n  delimiter: ";"\n');
    const semi = await runCli(['export', '--config', 'dash-semi.yaml'], { cwd });
    expect(semi.code).toBe(2);
    expect(semi.stderr).toMatch(/^lorakit: dash-semi\.yaml:4: source\.delimiter: not a key of source type "jsonl" \(it is one of csv, stdin\)$/m);
  });

  it('CSV columns named twice are a config error on their line', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'c.csv'), 'x,y\n');
    writeFileSync(join(cwd, 'c.yaml'), 'source:\n  type: csv\n  path: c.csv\n  header: false\n  columns: [a, a]\n');
    const r = await runCli(['export', '--config', 'c.yaml'], { cwd });
    expect(r.code).toBe(2);
    // Before: "lorakit: c.csv: source.columns names column …", once the run had started.
    expect(r.stderr).toMatch(/^lorakit: c\.yaml:5: source\.columns: names a column twice: rename one$/m);
  });

  it('a bad flag value names the flag', async () => {
    const cwd = workspace();
    const r = await runCli(['export', '--split.validation', '4'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^lorakit: --split\.validation: /);
    // An item of a list flag, and a rule across keys reported on a key the file does not hold: the flag, not the
    // file (before: "lorakit.yaml: pii.types.1: …", "lorakit.yaml: weighting.max_weight: …").
    const item = await runCli(['export', '--pii.types', 'email,phne'], { cwd });
    expect(item.code).toBe(2);
    expect(item.stderr).toMatch(/^lorakit: --pii\.types \(pii\.types\.1\): /m);
    const across = await runCli(['export', '--weighting.min-weight', '3'], { cwd });
    expect(across.code).toBe(2);
    expect(across.stderr).toMatch(/^lorakit: --weighting\.min-weight \(weighting\.max_weight\): min_weight must not be above max_weight/m);
  });

  it('reads YAML merge keys, refuses tags it cannot expand, and says why yes/no is not a boolean', async () => {
    const cwd = workspace();
    const head = 'source:\n  type: jsonl\n  path: records.jsonl\n';
    // Before: "<<: unknown key (check the spelling)".
    const mapping = 'field_mapping:\n  instruction_field: question\n  output_field: answer\n';
    writeFileSync(join(cwd, 'merge.yaml'), `${head}${mapping}quality:\n  toxicity:\n    <<: { enabled: true, words: [Monatsmieten] }\n`);
    const merge = await runCli(['export', '--config', 'merge.yaml', '--dry-run'], { cwd });
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stdout).toMatch(/filter\/toxic 2/);
    // Before: the value was the text after the tag ("OUT"), silently.
    writeFileSync(join(cwd, 'tag.yaml'), `${head}output:\n  dir: !env OUT\n`);
    const tag = await runCli(['export', '--config', 'tag.yaml'], { cwd });
    expect(tag.code).toBe(2);
    expect(tag.stderr).toMatch(/^lorakit: tag\.yaml:5: unknown YAML tag !env: lorakit expands no tags/m);
    expect(existsSync(join(cwd, 'OUT'))).toBe(false);
    writeFileSync(join(cwd, 'yes.yaml'), `${head}dedup:\n  exact: no\n  near: "true"\n`);
    const yes = await runCli(['export', '--config', 'yes.yaml'], { cwd });
    expect(yes.code).toBe(2);
    expect(yes.stderr).toMatch(/^ {2}yes\.yaml:5: dedup\.exact: .*\(YAML 1\.2 reads no as text, not as a boolean: write true or false\)$/m);
    expect(yes.stderr).toMatch(/^ {2}yes\.yaml:6: dedup\.near: .*\("true" in quotes is text: write true or false without quotes\)$/m);
  });

  it('a setting refused once the export starts names its line in lorakit.yaml, or its flag', async () => {
    const cwd = workspace();
    const config = (rest: string) => `source:\n  type: jsonl\n  path: records.jsonl\noutput:\n  dir: out\n${rest}`;
    // Before: "lorakit: cannot read structured_gen.json_schema …", with no file or line.
    writeFileSync(join(cwd, 'schema.yaml'), config('structured_gen:\n  enabled: true\n  json_schema: nope.json\n'));
    const schema = await runCli(['export', '--config', 'schema.yaml'], { cwd });
    expect(schema.code).toBe(2);
    expect(schema.stderr).toMatch(/^lorakit: schema\.yaml:8: cannot read structured_gen\.json_schema .*nope\.json/m);
    writeFileSync(join(cwd, 'custom.yaml'), config('style: custom\nformat:\n  custom: { q: instruction }\n  response_key: a\n'));
    const custom = await runCli(['export', '--config', 'custom.yaml'], { cwd });
    expect(custom.code).toBe(2);
    expect(custom.stderr).toMatch(/^lorakit: custom\.yaml:9: format\.response_key "a" is not one of the keys of format\.custom$/m);
    const pii = await runCli(['export', '--config', 'custom.yaml', '--style', 'instruction', '--pii.policy', 'redact', '--pii.strategy', 'hash'], { cwd, env: {} });
    expect(pii.code).toBe(2);
    expect(pii.stderr).toMatch(/^lorakit: --pii\.strategy: pii\.strategy "hash" needs an HMAC key/m);
    // Adapter metadata checked before any record is read: every bad key on its line (before: no line).
    writeFileSync(join(cwd, 'meta.yaml'), config('adapter_metadata:\n  base_model: org/base\n  adapter_version: v1\n  language: [english]\n'));
    const meta = await runCli(['export', '--config', 'meta.yaml'], { cwd });
    expect(meta.code).toBe(2);
    expect(meta.stderr).toMatch(/^ {2}meta\.yaml:8: adapter_metadata\.adapter_version: must be a semantic version/m);
    expect(meta.stderr).toMatch(/^ {2}meta\.yaml:9: adapter_metadata\.language\.0: /m);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('a filter that does not parse names its line in lorakit.yaml, or the --filter flag', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'bad.yaml'), 'source:\n  type: jsonl\n  path: records.jsonl\nfilter: id == "a1" and\n');
    const r = await runCli(['export', '--config', 'bad.yaml'], { cwd });
    expect(r.code).toBe(2);
    // Before: "lorakit: Invalid filter expression at column 15: …", without file, line or key.
    expect(r.stderr).toMatch(/^lorakit: bad\.yaml:4: filter: Invalid filter expression at column 15: /);
    const flag = await runCli(['export', '--filter', 'id = "a1"'], { cwd });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^lorakit: --filter: Invalid filter expression at column 4: /);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('a missing source file is exit 2', async () => {
    const cwd = workspace();
    const r = await runCli(['export', '--source.path', 'nope.jsonl'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.jsonl');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('an explicit --config that does not exist is exit 2', async () => {
    const r = await runCli(['export', '--config', 'missing.yaml'], { cwd: workspace() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lorakit: missing.yaml: no such file\n');
  });

  it('--partition i/N exports one partition', async () => {
    const cwd = workspace();
    const parts = [];
    for (const i of [0, 1]) {
      const r = await runCli(['export', '--partition', `${i}/2`, '--output.dir', `part-${i}`, '--json'], { cwd });
      expect(r.code, r.stderr).toBe(0);
      parts.push((JSON.parse(r.stdout) as { stats: { read: number } }).stats.read);
    }
    expect((parts[0] ?? 0) + (parts[1] ?? 0)).toBe(5);
  });

  it('an aborted run exits 130 and leaves no output', async () => {
    const cwd = workspace();
    const controller = new AbortController();
    controller.abort();
    const r = await runCli(['export'], { cwd, signal: controller.signal });
    expect(r.code).toBe(130);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });
});

describe('parsePartition', () => {
  it('reads i/N and rejects nonsense', () => {
    expect(parsePartition('2/8')).toEqual({ index: 2, count: 8 });
    expect(() => parsePartition('8/8')).toThrow(/0 <= i < N/);
    expect(() => parsePartition('x')).toThrow(/i\/N/);
  });
});

describe('lorakit export gates', () => {
  it('a failing quality gate makes exit 1 and is named in the summary', async () => {
    const cwd = workspace();
    const r = await runCli(['export', '--quality-metrics.gates', 'counts.samples >= 1000'], { cwd });
    expect(r.code).toBe(2);
    const failing = await runCli(['export', '--quality-metrics.gates', 'samples >= 1000'], { cwd });
    expect(failing.code, failing.stderr).toBe(1);
    expect(failing.stdout).toContain('gates: FAILED');
    expect(failing.stdout).toContain('samples >= 1000');
    const passing = await runCli(['export', '--quality-metrics.gates', 'samples >= 1'], { cwd });
    expect(passing.code, passing.stderr).toBe(0);
    expect(passing.stdout).toContain('gates: passed');
  });
});

describe('lorakit export with nothing exported', () => {
  it('exits 1 when every record read was rejected, and 0 with a note when the source is empty', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'records.jsonl'), '{"id":"x","question":"Frage ohne Antwort?"}\n{"id":"y","question":"Noch eine?"}\n');
    const r = await runCli(['export'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/read 2 records, exported 0/);
    expect(r.stderr).toContain('exported no record: all 2 records read were rejected (reasons in rejects.jsonl of the output)');
    expect((await runCli(['export', '--dry-run', '--json'], { cwd })).code).toBe(1);

    writeFileSync(join(cwd, 'records.jsonl'), '\n');
    const empty = await runCli(['export', '--output.overwrite'], { cwd });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toContain('the source held no records');

    // One record, in some other partition of two: this partition is empty, the source is not.
    writeFileSync(join(cwd, 'records.jsonl'), '{"id":"x","question":"Darf der Vermieter die Kaution verrechnen?","answer":"Ja, nach Ablauf einer angemessenen Prüfungsfrist darf er das."}\n');
    const notes = await Promise.all([0, 1].map((i) => runCli(['export', '--partition', `${i}/2`, '--output.dir', `part-${i}`], { cwd })));
    expect(notes.map((n) => n.code)).toEqual([0, 0]);
    expect(notes.map((n) => n.stderr).join('\n')).toMatch(/partition [01]\/2 holds no records \(all 1 belong to other partitions\)/);
  });
});

describe('lorakit export max_errors', () => {
  it('more failed records than --max-errors is a data failure: exit 1, no output', async () => {
    const cwd = workspace();
    writeFileSync(join(cwd, 'records.jsonl'), '{"id":"x","question":"Frage ohne Antwort?"}\n'.repeat(5));
    const r = await runCli(['export', '--max-errors', '2'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^lorakit: /);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  });

  it('export merge joins the runs of a partitioned export, after checking their files', async () => {
    const cwd = workspace();
    for (const i of [0, 1]) {
      const r = await runCli(['export', '--partition', `${i}/2`, '--output.dir', `part-${i}`], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await runCli(['export', 'merge', 'part-0', 'part-1', '-o', 'merged'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^merged 2 partitions: read 5 records, exported 3 \(.*\), rejected 2$/m);
    expect(r.stdout).toContain(`output: ${join(cwd, 'merged')}`);
    const manifest = JSON.parse(readFileSync(join(cwd, 'merged', 'manifest.json'), 'utf8')) as { stats: { read: number }; files: { path: string }[] };
    expect(manifest.stats.read).toBe(5);
    expect(manifest.files.map((f) => f.path)).toContain('../part-1/train.jsonl');
    const json = await runCli(['export', 'merge', 'part-0', 'part-1', '-o', 'merged', '--json'], { cwd });
    expect((JSON.parse(json.stdout) as { stats: { exported: number } }).stats.exported).toBe(3);

    writeFileSync(join(cwd, 'part-1', 'train.jsonl'), '{"instruction":"smuggled","output":"in"}\n', { flag: 'a' });
    const tampered = await runCli(['export', 'merge', 'part-0', 'part-1', '-o', 'merged'], { cwd });
    expect(tampered.code).toBe(2);
    expect(tampered.stderr).toContain(`${join(cwd, 'part-1', 'train.jsonl')} changed after the export`);
    const usage = await runCli(['export', 'merge', 'part-0'], { cwd });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("required option '-o, --output <dir>'");
  });
});

describe('lorakit export merge gates', () => {
  it('judges the config\'s gates on the merged report only: a partition holds a share of the dataset', async () => {
    const cwd = workspace();
    // 3 samples in all, at most 2 in either partition: `samples >= 3` failed on every partition (exit 1 from each
    // job of a batch scheduler), `samples <= 2` passed on each. Judged on the whole, it is the other way round.
    const gates = ['--quality-metrics.gates', 'samples <= 2', '--quality-metrics.gates', 'samples >= 3'];
    for (const i of [0, 1]) {
      const r = await runCli(['export', '--partition', `${i}/2`, '--output.dir', `part-${i}`, ...gates], { cwd });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain('gates:');
      expect(r.stderr).toContain(`quality_metrics.gates are not judged on partition ${i}/2, which holds a share of the dataset: \`lorakit export merge\``);
    }
    const r = await runCli(['export', 'merge', 'part-0', 'part-1', '-o', 'merged'], { cwd });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('gates: FAILED');
    expect(r.stdout).toContain('✗ samples <= 2 (actual 3)');
    expect(r.stdout).not.toContain('samples >= 3');
    const json = await runCli(['export', 'merge', 'part-0', 'part-1', '-o', 'merged', '--json'], { cwd });
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { gates: { passed: boolean } }).gates.passed).toBe(false);
    // The merged files are still written, as an export's are when a gate fails.
    expect(existsSync(join(cwd, 'merged', 'quality_report.json'))).toBe(true);
    // Partition 0/1 is the whole dataset: its run judges the gates.
    const whole = await runCli(['export', '--partition', '0/1', '--output.dir', 'whole', ...gates], { cwd });
    expect(whole.code, whole.stderr).toBe(1);
    expect(whole.stdout).toContain('✗ samples <= 2 (actual 3)');
  });
});
