import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

const cwd = join(import.meta.dirname, '..', '..', 'test', 'fixtures');

describe('lorakit report', () => {
  it('prints the text report and writes JSON and HTML files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-report-'));
    const r = await runCli(['report', 'valid.jsonl', 'invalid.jsonl', '--schema', 'qa.schema.json', '--json-file', join(dir, 'r.json'), '--html', join(dir, 'r.html')], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { counts: Record<string, unknown> };
    expect(report.counts).toMatchObject({ samples: 7, valid: 4, invalid: 3 });
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toMatch(/<html/i);
  });

  it('numbers lines on across several files, and says which lines are whose', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-report-'));
    writeFileSync(join(dir, 'a.jsonl'), '{"prompt":"mail a@b.com","completion":"x"}\n{"prompt":"q","completion":"y"}\n');
    writeFileSync(join(dir, 'b.jsonl'), '\n{"prompt":"mail c@d.org","completion":"z"}\n');
    const r = await runCli(['report', 'a.jsonl', 'b.jsonl', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    // Before: [1, 2], and line 2 of a.jsonl holds no address.
    const { report } = JSON.parse(r.stdout) as { report: { pii: { byType: { type: string; lines: number[] }[] }; counts: { lines: number } } };
    expect(report.pii.byType.find((t) => t.type === 'email')?.lines).toEqual([1, 4]);
    expect(report.counts.lines).toBe(4);
    expect(r.stderr).toContain('lines are numbered across the files: a.jsonl 1-2, b.jsonl 3-4');
  });

  it('says a JSON array or a CSV file is not JSONL, exit 2, instead of a report of unparsable lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-report-'));
    writeFileSync(join(dir, 'data.json'), '[\n  {"instruction": "hi", "output": "hello"}\n]\n');
    writeFileSync(join(dir, 'data.csv'), 'instruction,output\nhi,hello\n');
    const json = await runCli(['report', 'data.json'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('data.json is a JSON array, not JSONL: lorakit report reads JSONL');
    expect(json.stdout).toBe('');
    const csv = await runCli(['report', 'data.csv'], { cwd: dir });
    expect(csv.code).toBe(2);
    expect(csv.stderr).toContain('data.csv is CSV, not JSONL');
    writeFileSync(join(dir, 'data.jsonl.gz'), gzipSync('{"instruction": "hi", "output": "hello"}\n'));
    const gz = await runCli(['report', 'data.jsonl.gz'], { cwd: dir });
    expect(gz.code).toBe(2);
    expect(gz.stderr).toContain('data.jsonl.gz is gzip-compressed: lorakit report reads plain JSONL; decompress it first, e.g. gunzip -c data.jsonl.gz | lorakit report -');
  });

  it('a failing gate makes exit 1 and names the gate', async () => {
    const r = await runCli(['report', 'valid.jsonl', '--gate', 'samples >= 1000'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gate failed: samples >= 1000');
  });

  it('gates apply whatever takes stdout: merge -o -, --json-file -, and the HTML file shows them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-report-'));
    const state = join(dir, 's.json');
    expect((await runCli(['report', 'valid.jsonl', '--state', state, '-q'], { cwd })).code).toBe(0);
    const merged = await runCli(['report', 'merge', state, '-o', '-', '--html', join(dir, 'm.html'), '--gate', 'samples >= 1000'], { cwd });
    expect(merged.code).toBe(1);
    expect(merged.stderr).toContain('gate failed: samples >= 1000');
    expect((JSON.parse(merged.stdout) as { counts: { samples: number } }).counts.samples).toBe(2);
    expect(readFileSync(join(dir, 'm.html'), 'utf8')).toContain('samples &gt;= 1000');
    // stdout holds the one document asked for, nothing after it.
    const piped = await runCli(['report', 'valid.jsonl', '--json-file', '-'], { cwd });
    expect(piped.code, piped.stderr).toBe(0);
    expect((JSON.parse(piped.stdout) as { counts: { samples: number } }).counts.samples).toBe(2);
    const twice = await runCli(['report', 'merge', state, '-o', '-', '--json-file', '-'], { cwd });
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('only one of -o, --json-file and --html can be -');
    // A malformed gate fails before any data is read: no state file is written.
    const bad = await runCli(['report', 'valid.jsonl', '--state', join(dir, 'never.json'), '--gate', 'fooRate < 1'], { cwd });
    expect(bad.code).toBe(2);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('passing gates exit 0; --json puts report and gates on stdout', async () => {
    const r = await runCli(['report', 'valid.jsonl', '--gate', 'samples >= 1', '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { gates: { passed: boolean } };
    expect(doc.gates.passed).toBe(true);
  });

  it('options that cannot work are usage errors: --max-seq-len without a tokenizer, a zero --max-seq-len or --sample', async () => {
    const noTokenizer = await runCli(['report', 'valid.jsonl', '--max-seq-len', '4096'], { cwd });
    expect(noTokenizer.code).toBe(2);
    expect(noTokenizer.stderr).toContain('--max-seq-len counts tokens: it needs --tokenizer DIR');
    const zero = await runCli(['report', 'valid.jsonl', '--max-seq-len', '0'], { cwd });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--max-seq-len must be a whole number >= 1, got "0"');
    const sample = await runCli(['init', 'valid.jsonl', '--sample', '0', '-o', '-'], { cwd });
    expect(sample.code).toBe(2);
    expect(sample.stderr).toContain('--sample must be a whole number >= 1');
  });

  it('--phone-regions counts national phone numbers of those countries as PII; a region that is none is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-report-'));
    writeFileSync(join(dir, 'de.jsonl'), `${JSON.stringify({ prompt: 'Wie erreiche ich Sie?', completion: 'Unter 0171 2345678, werktags.' })}\n`);
    const pii = async (args: string[]) => {
      const r = await runCli(['report', 'de.jsonl', ...args, '--json'], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { report: { pii: { samples: number } } }).report.pii.samples;
    };
    expect(await pii([])).toBe(0);
    expect(await pii(['--phone-regions', 'DE,AT'])).toBe(1);
    // Repeated, every value counts (it kept the last: "--phone-regions AT" after DE lost DE).
    const both = await runCli(['report', 'de.jsonl', '--phone-regions', 'DE', '--phone-regions', 'AT', '--json'], { cwd: dir });
    expect((JSON.parse(both.stdout) as { report: { options: { phoneRegions: string[] } } }).report.options.phoneRegions).toEqual(['AT', 'DE']);
    const bad = await runCli(['report', 'de.jsonl', '--phone-regions', 'UK'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--phone-regions: phone region "UK" is not a country code with a phone numbering plan: the United Kingdom is "GB"');
  });

  it('an unknown gate metric is a usage error', async () => {
    const r = await runCli(['report', 'valid.jsonl', '--gate', 'fooRate < 1'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown metric "fooRate"');
  });

  it('merge: two partition states give the same counts as one run over both files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-merge-'));
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    expect((await runCli(['report', 'valid.jsonl', '--state', a, '-q'], { cwd })).code).toBe(0);
    expect((await runCli(['report', 'invalid.jsonl', '--state', b, '-q'], { cwd })).code).toBe(0);
    const merged = join(dir, 'merged.json');
    const r = await runCli(['report', 'merge', a, b, '-o', merged, '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(merged)).toBe(true);
    const whole = await runCli(['report', 'valid.jsonl', 'invalid.jsonl', '--json'], { cwd });
    const counts = (doc: string) => {
      const c = (JSON.parse(doc) as { report: { counts: Record<string, unknown> } }).report.counts;
      return { samples: c['samples'], valid: c['valid'], invalid: c['invalid'] };
    };
    expect(counts(r.stdout)).toEqual({ samples: 7, valid: 6, invalid: 1 });
    expect(counts(r.stdout)).toEqual(counts(whole.stdout));
  });

  it('merge: states measured with a tokenizer merge with --tokenizer (before: no way to pass it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lorakit-merge-'));
    const tokenizer = join(import.meta.dirname, '..', '..', '..', '..', 'packages', 'quality-metrics', 'test', 'fixtures', 'tiny-tokenizer');
    const a = join(dir, 'a.json');
    expect((await runCli(['report', 'valid.jsonl', '--tokenizer', tokenizer, '--state', a, '-q'], { cwd })).code).toBe(0);
    const without = await runCli(['report', 'merge', a, '-o', join(dir, 'm.json')], { cwd });
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/a\.json: measured with a tokenizer \(sha256:[0-9a-f]{16}\): pass --tokenizer DIR/);
    const r = await runCli(['report', 'merge', a, '--tokenizer', tokenizer, '--json'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { report: { lengths: { response: { tokens?: { n: number } } } } }).report.lengths.response.tokens?.n).toBeGreaterThan(0);
  });
});
