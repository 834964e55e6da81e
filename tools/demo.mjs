// The README's main job (`npm run demo`, after tools/setup.mjs installed and built everything):
//  1. loads the bundled legal QA records (examples/legal-qa.jsonl) into an SQLite database, the embedded default
//     store, at .lorakit/demo/legal-qa.sqlite (re-created when the JSONL is newer);
//  2. `lorakit validate` on the raw records (some are invalid on purpose: exit 1 is expected and shown);
//  3. `lorakit export --config examples/lorakit.yaml`: training files, rejects, quality report, adapter metadata,
//     trainer configs;
//  4. `lorakit adapter peft`, `lorakit vllm config` and `lorakit adapter check` for the adapter (servable once
//     trained); then prints where everything is.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const examples = join(root, 'examples');
const jsonl = join(examples, 'legal-qa.jsonl');
const dbPath = join(root, '.lorakit', 'demo', 'legal-qa.sqlite');
const outDir = join(root, 'demo-output', 'legal-qa');
const bin = join(root, 'apps', 'cli', 'bin', 'lorakit.js');
const rel = (p) => relative(process.cwd(), p) || '.';

function step(title) {
  console.log(`\n== ${title}`);
}

function lorakit(args, { expect = [0] } = {}) {
  console.log(`$ lorakit ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  if (!expect.includes(r.status ?? -1)) {
    console.error(`demo: \`lorakit ${args.join(' ')}\` exited ${r.status ?? r.signal}`);
    process.exit(1);
  }
  return r.status;
}

function loadDatabase() {
  if (existsSync(dbPath) && statSync(dbPath).mtimeMs >= statSync(jsonl).mtimeMs) {
    console.log(`${rel(dbPath)} is up to date`);
    return;
  }
  mkdirSync(dirname(dbPath), { recursive: true });
  const tmp = `${dbPath}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const db = new Database(tmp);
  db.exec(`CREATE TABLE qa (
    id TEXT PRIMARY KEY, lang TEXT, jurisdiction TEXT, area TEXT, question TEXT, context TEXT, answer TEXT,
    source TEXT, reviewed INTEGER, rating INTEGER, weight REAL, updated_at TEXT)`);
  const insert = db.prepare(`INSERT INTO qa VALUES (@id, @lang, @jurisdiction, @area, @question, @context, @answer,
    @source, @reviewed, @rating, @weight, @updated_at)`);
  const columns = ['id', 'lang', 'jurisdiction', 'area', 'question', 'context', 'answer', 'source', 'reviewed', 'rating', 'weight', 'updated_at'];
  let n = 0;
  db.transaction(() => {
    for (const line of readFileSync(jsonl, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const record = JSON.parse(line);
      const row = Object.fromEntries(columns.map((c) => [c, record[c] ?? null]));
      row.reviewed = record.reviewed === undefined ? null : record.reviewed ? 1 : 0;
      insert.run(row);
      n += 1;
    }
  })();
  db.close();
  renameSync(tmp, dbPath); // atomic: a half-loaded database never appears under the real name
  console.log(`loaded ${n} records from ${rel(jsonl)} into ${rel(dbPath)} (table qa)`);
}

step('1. the records: bundled JSONL -> SQLite (the embedded default store)');
loadDatabase();

step('2. validate the raw records against examples/legal-qa.schema.json (a few are invalid on purpose)');
lorakit(['validate', '--schema', 'examples/legal-qa.schema.json', 'examples/legal-qa.jsonl', '--max-issues', '10'], { expect: [0, 1] });

step('3. export: SQLite -> training data, rejects, quality report, adapter metadata, trainer configs');
// Step 4 of an earlier run put these beside the export; the export refuses to replace a folder holding files it
// did not write, so the demo takes back its own.
for (const name of ['adapter_config.json', 'vllm-serve.yaml']) rmSync(join(outDir, name), { force: true });
lorakit(['export', '--config', 'examples/lorakit.yaml']);

step('4. the adapter: PEFT config from the metadata, vLLM serve config, servability');
const meta = JSON.parse(readFileSync(join(outDir, 'adapter_metadata.json'), 'utf8'));
const out = rel(outDir);
lorakit(['adapter', 'peft', `${out}/adapter_metadata.json`, '-o', `${out}/adapter_config.json`, '--force']);
const serve = ['vllm', 'config', '--base-model', meta.base_model.name, '--adapter', `${meta.adapter_id}=${out}`, '--max-model-len', '8192'];
lorakit([...serve, '--format', 'yaml', '-o', `${out}/vllm-serve.yaml`, '--force']);
lorakit([...serve, '--format', 'command']);
// Honest about what is left: the data and configs are ready, the weights come from training (exit 1 expected).
if (lorakit(['adapter', 'check', out], { expect: [0, 1] }) === 1) {
  console.log('(expected before training: the trainer writes the weights and the final adapter_config.json, target_modules included)');
}

step('done: the outputs');
console.log(`  ${rel(outDir)}/`);
for (const [file, what] of [
  ['train.jsonl', 'training split (alpaca instruction/input/output + weight + metadata)'],
  ['validation.jsonl', 'validation split'],
  ['rejects.jsonl', 'every record not exported, with stage, code and message'],
  ['quality_report.html', 'the quality report: open it in a browser'],
  ['quality_report.json', 'the same, machine-readable'],
  ['adapter_metadata.json', 'adapter metadata (base model, task, languages, dataset hashes)'],
  ['dataset_info.json', 'LLaMA-Factory dataset registration'],
  ['axolotl.yaml', 'axolotl dataset config'],
  ['README.md', 'dataset card'],
  ['manifest.json', 'files, hashes and counts of this export'],
  ['adapter_config.json', 'PEFT LoRA config matching the metadata (what training writes beside the weights)'],
  ['vllm-serve.yaml', 'vLLM serve config for the adapter'],
]) {
  if (existsSync(join(outDir, file))) console.log(`    ${file.padEnd(22)} ${what}`);
}
console.log(`\nopen the report: xdg-open ${rel(join(outDir, 'quality_report.html'))}   (macOS: open …)`);
