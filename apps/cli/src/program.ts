import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CliError } from './errors.js';
import type { CliIo } from './io.js';
import type { CommandContext } from './internal/context.js';

/** Options every command sees: the program's own plus the command's. */
export type Opts = Record<string, unknown>;

/** A command body: gets parsed positionals and options, returns the exit code. Loaded only when it runs. */
type Handler = (args: unknown[], opts: Opts, ctx: CommandContext) => Promise<number>;

function version(): string {
  // dist/program.js and src/program.ts both sit one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** `--format` (with the given choices) and its `--json` alias, for commands that print results. */
function withFormat(cmd: Command, formats: readonly string[] = ['text', 'json']): Command {
  return cmd
    .addOption(new Option('--format <format>', 'output format').choices(formats).default(formats[0]))
    .option('--json', 'machine-readable output (same as --format json)');
}

function int(name: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new CliError('CLI_USAGE', `${name} must be a whole number >= ${min}, got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A repeatable option of comma-separated codes (`--languages de,en --languages fr`): all of them, not the last. */
function codes(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** A repeatable option whose values must be among `choices`. */
function collectChoice(choices: readonly string[]) {
  return (value: string, previous: string[] | undefined): string[] => {
    if (!choices.includes(value)) throw new CliError('CLI_USAGE', `expected one of ${choices.join(', ')}, got "${value}"`);
    return [...(previous ?? []), value];
  };
}

/**
 * Builds the commander program. Each command's module (and the packages it uses) is imported only when that
 * command runs, which keeps `lorakit --help` fast.
 */
export async function buildProgram(io: CliIo, argv: readonly string[], setExit: (code: number) => void): Promise<Command> {
  const program = new Command('lorakit');
  // A group's subcommands are only built when the group is on the command line: `lorakit --help` lists groups by
  // name and description, and every Command built costs start-up time.
  const wanted = (group: string) => argv.includes(group);
  program
    .description('lorakit: records to a served LoRA adapter (training data, quality report, adapter metadata, vLLM).')
    .version(version(), '-V, --version', 'print the version')
    .option('-q, --quiet', 'no progress or notes on stderr')
    .option('--verbose', 'print the full cause of an error')
    .option('--no-color', 'no colour (NO_COLOR is respected too)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`lorakit: ${s.replace(/^error: /, '')}`),
    })
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `\nExit codes: 0 ok, 1 data failed (invalid records, failed gates, unservable adapter), 2 usage or I/O error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).\n${examples(
        'lorakit validate --schema examples/legal-qa.schema.json examples/legal-qa.jsonl',
        'lorakit export --config examples/lorakit.yaml',
      )}`,
    );

  const run = (cmd: Command, load: () => Promise<Handler>, options: { cleansUp?: boolean } = {}) =>
    cmd.action(async (...raw: unknown[]) => {
      const self = raw[raw.length - 1] as Command;
      const opts = self.optsWithGlobals<Opts>();
      const { createOutput } = await import('./internal/output.js');
      const out = createOutput(io, {
        format: opts['format'] as string | undefined,
        json: opts['json'] as boolean | undefined,
        quiet: opts['quiet'] as boolean | undefined,
        verbose: opts['verbose'] as boolean | undefined,
        color: opts['color'] as boolean | undefined,
      });
      const signal = io.signal ?? new AbortController().signal;
      const ctx: CommandContext = { io, out, signal };
      const handler = await load();
      const work = handler(self.processedArgs as unknown[], opts, ctx);
      // Commands that write output wait for their own clean-up on Ctrl-C; read-only ones stop at once.
      setExit(options.cleansUp === true ? await work : await interruptible(work, signal));
    });

  run(
    withFormat(
      program
        .command('validate')
        .description('validate JSONL records against a JSON Schema; one line per issue, then a summary')
        .argument('<data...>', 'JSONL files (- for stdin)')
        .option('-s, --schema <file>', 'JSON Schema file (draft-07, 2019-09 or 2020-12)')
        .option('--infer', 'infer the schema from the data itself (with --schema: write the inferred schema there)')
        .option('--force', 'with --infer: replace an existing --schema file')
        .option('--max-issues <n>', 'print at most N issues (0: all); all are counted', int('--max-issues'), 100)
        .addHelpText(
          'after',
          examples(
            'lorakit validate --schema examples/legal-qa.schema.json examples/legal-qa.jsonl',
            'cat data.jsonl | lorakit validate --schema schema.json - --format json',
            'lorakit validate --infer data.jsonl',
            'lorakit validate --infer --schema inferred.schema.json --force data.jsonl',
          ),
        ),
    ),
    async () => (await import('./commands/validate.js')).validateCommand,
  );

  run(
    withFormat(
      program
        .command('init')
        .description('write a commented lorakit.yaml guessed from the first records of DATA, and an inferred schema')
        .argument('[data]', 'a file (.jsonl, .json, .csv, .parquet, .sqlite) or a database URL (sqlite:FILE, postgres://...)')
        .option('-o, --output <file>', 'config file to write', 'lorakit.yaml')
        .option('--table <name>', 'table to export (databases)')
        .option('--sample <n>', 'records to guess from', int('--sample', 1), 200)
        .option('--force', 'replace existing files')
        .addHelpText('after', examples('lorakit init data.jsonl', 'lorakit init sqlite:records.db --table qa', 'lorakit init postgres://db/app --table tickets -o tickets.yaml')),
    ),
    async () => (await import('./commands/init.js')).initCommand,
  );

  const exportCmd = program
    .command('export')
    .description('run the export pipeline: records to training files, rejects, report, adapter metadata, trainer configs')
    .option('-c, --config <file>', 'export config (YAML); default: lorakit.yaml when it exists')
    .option('--dry-run', 'read, map and validate, write nothing, print the funnel')
    .option('--partition <i/N>', 'run one partition of N (0-based i); merge the runs with lorakit export merge')
    .addHelpText(
      'after',
      examples(
        'lorakit export --config examples/lorakit.yaml',
        'lorakit export --source.type jsonl --source.path data.jsonl --style chat --output.dir out',
        'lorakit export --dry-run --dedup.near --pii.policy redact',
        'lorakit export --partition 0/4 --output.dir out/part-0',
        'lorakit export merge out/part-0 out/part-1 out/part-2 out/part-3 -o out/merged',
      ),
    );
  // The config flags come from the exporter's zod schema, so they are only built when `export` is on the line.
  const exportFlags = argv.includes('export') ? await (await import('./commands/export-flags.js')).addExportFlags(exportCmd) : [];
  run(
    withFormat(exportCmd),
    async () => {
      const { exportCommand } = await import('./commands/export.js');
      return (args, opts, ctx) => exportCommand(args, opts, ctx, exportFlags);
    },
    { cleansUp: true },
  );
  if (wanted('export')) {
    run(
      withFormat(
        exportCmd
          .command('merge')
          .description('merge the output directories of a partitioned export (--partition i/N) into one: manifest, stats, quality report, metadata, trainer configs')
          .argument('<dirs...>', 'the output directory of every partition')
          .requiredOption('-o, --output <dir>', 'merged output directory (new, empty or a previous export); data files stay in the partitions')
          .addHelpText(
            'after',
            `\nEvery partition's files are checked against its manifest.json (size and sha256) first; exit 2 when one changed,\nis missing, or the partitions do not belong together.\n${examples('lorakit export merge out/part-0 out/part-1 -o out/merged')}`,
          ),
      ),
      async () => (await import('./commands/export.js')).exportMergeCommand,
      // On Ctrl-C or SIGTERM the merge discards its temporary output before the CLI exits.
      { cleansUp: true },
    );
  }

  const report = program
    .command('report')
    .description('quality report of JSONL training data (lengths, duplicates, PII, languages, flags); gates set the exit code')
    .argument('<data...>', 'JSONL files (- for stdin)')
    .option('-s, --schema <file>', 'also validate each record against this JSON Schema (invalid ones are counted)')
    .option('--tokenizer <dir>', 'folder with a Hugging Face tokenizer.json, for token lengths (needs @huggingface/tokenizers)')
    .option('--max-seq-len <n>', 'training sequence length: share of samples over it and truncated tokens', int('--max-seq-len', 1))
    .option('--near-dup', 'also find near duplicates (MinHash LSH)')
    .option('--languages <codes>', 'expected languages, e.g. de,en (others count as mismatches; repeatable)', codes)
    .option('--phone-regions <codes>', 'countries whose national phone numbers count as PII too, e.g. DE,AT (030 12345678; repeatable)', codes)
    .option('--gate <expr>', 'a gate such as "exactDuplicateRate <= 0.01" (repeatable); exit 1 when one fails', collect)
    .option('--html <file>', 'write the HTML report here')
    .option('--json-file <file>', 'write the JSON report here')
    .option('--state <file>', 'write the accumulator state (for lorakit report merge)');
  run(
    withFormat(report).addHelpText(
      'after',
      examples(
        'lorakit report demo-output/legal-qa/train.jsonl --html report.html',
        'lorakit report train.jsonl --near-dup --gate "exactDuplicateRate <= 0.01" --gate "piiRate == 0"',
        'lorakit report merge part-*/quality_accumulator.json -o merged.json',
      ),
    ),
    async () => (await import('./commands/report.js')).reportCommand,
  );
  if (wanted('report')) {
    run(
      withFormat(
        report
          .command('merge')
          .description('merge accumulator states of partitions (quality_accumulator.json) into one report')
          .argument('<states...>', 'accumulator state files')
          .option('-o, --output <file>', 'write the merged JSON report here (- for stdout)')
          .option('--tokenizer <dir>', 'the tokenizer the states were measured with (states made with --tokenizer need it)')
          .option('--html <file>', 'write the HTML report here')
          .option('--gate <expr>', 'a gate (repeatable); exit 1 when one fails', collect)
          .option('--force', 'replace an existing output file')
          .addHelpText(
            'after',
            `\nLine numbers (in groups, examples and counts.lines, the highest seen) are those the states were measured with: the\npartitions of one export share the input's numbering, but states of separate files each count from 1, so their\nline lists cannot be told apart, and duplicate groups whose first lines coincide become one (a groupCount too low;\nsample and duplicate counts and rates still add up). Report the files in one run instead: it numbers lines across them.\n${examples('lorakit report merge out/part-0/quality_accumulator.json out/part-1/quality_accumulator.json -o merged.json')}`,
          ),
      ),
      async () => (await import('./commands/report.js')).reportMergeCommand,
    );
  }

  const schema = program
    .command('schema')
    .description('JSON Schemas: infer one from data, TypeScript types, constrained-decoding compatibility')
    .addHelpText('after', examples('lorakit schema infer data.jsonl -o schema.json', 'lorakit schema check schema.json --backend xgrammar'));
  if (wanted('schema')) {
    run(
      schema
        .command('infer')
        .description('infer a draft 2020-12 JSON Schema from JSONL records (one pass, bounded memory)')
        .argument('<data...>', 'JSONL files (- for stdin)')
        .option('-o, --output <file>', 'where to write (- for stdout)', '-')
        .option('--required <share>', 'a field is required when present in at least this share of records (0-1)', Number)
        .option('--force', 'replace an existing output file')
        .addHelpText('after', examples('lorakit schema infer examples/legal-qa.jsonl -o schema.json', 'lorakit schema infer data.jsonl --required 0.95')),
      async () => (await import('./commands/schema.js')).schemaInferCommand,
    );
    run(
      schema
        .command('types')
        .description('TypeScript declarations for a JSON Schema')
        .argument('<schema>', 'JSON Schema file')
        .option('-o, --output <file>', 'where to write (- for stdout)', '-')
        .option('--name <name>', 'name of the top-level type')
        .option('--force', 'replace an existing output file')
        .addHelpText('after', examples('lorakit schema types examples/legal-qa.schema.json -o legal-qa.d.ts')),
      async () => (await import('./commands/schema.js')).schemaTypesCommand,
    );
    run(
      withFormat(
        schema
          .command('check')
          .description('which keywords a constrained-decoding backend ignores or rejects (exit 1 when any)')
          .argument('<schema>', 'JSON Schema file')
          .addOption(new Option('--backend <name>', 'outlines, xgrammar or guidance (repeatable; default: all three)').argParser(collectChoice(['outlines', 'xgrammar', 'guidance'])))
          .addHelpText('after', examples('lorakit schema check examples/sample.schema.json', 'lorakit schema check schema.json --backend xgrammar --json')),
      ),
      async () => (await import('./commands/schema.js')).schemaCheckCommand,
    );
  }

  const adapter = program
    .command('adapter')
    .description('LoRA adapter metadata: validate, PEFT config (to and from), model card, lineage, versions')
    .addHelpText('after', examples('lorakit adapter validate out/adapter_metadata.json', 'lorakit adapter peft out/adapter_metadata.json -o adapter_config.json'));
  if (wanted('adapter')) {
    run(
      withFormat(
        adapter
          .command('validate')
          .description('check an adapter_metadata.json (exit 1 when invalid; unknown keys are warnings)')
          .argument('<meta>', 'adapter_metadata.json')
          .addHelpText('after', examples('lorakit adapter validate out/adapter_metadata.json --json')),
      ),
      async () => (await import('./commands/adapter.js')).adapterValidateCommand,
    );
    run(
      adapter
        .command('peft')
        .description('write the PEFT adapter_config.json that matches the metadata')
        .argument('<meta>', 'adapter_metadata.json')
        .option('-o, --output <file>', 'where to write (- for stdout)', '-')
        .option('--peft-version <version>', 'write only keys this PEFT release knows (older PEFT rejects unknown keys)')
        .option('--force', 'replace an existing output file')
        .addHelpText('after', examples('lorakit adapter peft out/adapter_metadata.json -o out/adapter_config.json --peft-version 0.13.2')),
      async () => (await import('./commands/adapter.js')).adapterPeftCommand,
    );
    run(
      adapter
        .command('from-peft')
        .description('write adapter_metadata.json from a PEFT adapter_config.json (base model, LoRA hyper-parameters)')
        .argument('<config>', 'adapter_config.json')
        .requiredOption('--id <adapter-id>', 'adapter_id: a slug, also the model name clients select in vLLM')
        .option('--adapter-version <version>', 'adapter_version (semver)', '1.0.0')
        .option('--base-model <model>', 'base model Hub id (default: the config\'s base_model_name_or_path)')
        .option('-o, --output <file>', 'where to write (- for stdout)', '-')
        .option('--force', 'replace an existing output file')
        .addHelpText('after', examples('lorakit adapter from-peft out/adapter/adapter_config.json --id legal-qa -o out/adapter/adapter_metadata.json')),
      async () => (await import('./commands/adapter.js')).adapterFromPeftCommand,
    );
    run(
      adapter
        .command('card')
        .description('write the Hugging Face model card (README.md) for an adapter')
        .argument('<meta>', 'adapter_metadata.json')
        .option('-o, --output <file>', 'where to write (- for stdout)', '-')
        .option('--adapter-path <path>', 'adapter folder used in the card\'s vllm serve example')
        .option('--force', 'replace an existing output file')
        .addHelpText('after', examples('lorakit adapter card out/adapter_metadata.json -o out/README.md --force')),
      async () => (await import('./commands/adapter.js')).adapterCardCommand,
    );
    run(
      withFormat(
        adapter
          .command('lineage')
          .description('the chain of parent adapters, from a folder of adapter_metadata.json files')
          .argument('<id>', 'adapter id')
          .requiredOption('--dir <dir>', 'folder of adapter metadata: its own *.json files, and adapter_metadata.json in subfolders down to 8 levels (not hidden ones or node_modules)')
          .option('--adapter-version <version>', 'start from this version (default: the latest)')
          .addHelpText('after', examples('lorakit adapter lineage legal-qa-de-en --dir adapters/')),
      ),
      async () => (await import('./commands/adapter.js')).adapterLineageCommand,
    );
    run(
      withFormat(
        adapter
          .command('bump')
          .description('the next adapter version: data -> MINOR, fix -> PATCH, base-model -> MAJOR')
          .argument('<meta>', 'adapter_metadata.json')
          .addOption(new Option('--change <kind>', 'what changed').choices(['data', 'fix', 'base-model']).makeOptionMandatory())
          .option('--write', 'also write the new version into the file (atomically; nothing else in it changes)')
          .addHelpText('after', examples('lorakit adapter bump out/adapter_metadata.json --change data', 'lorakit adapter bump meta.json --change fix --write')),
      ),
      async () => (await import('./commands/adapter.js')).adapterBumpCommand,
    );
    run(
      withFormat(
        adapter
          .command('check')
          .description('will vLLM serve this adapter directory? (exit 1 when it will not)')
          .argument('<dir>', 'adapter directory (adapter_config.json + weights)')
          .option('--serve <file>', 'vLLM serve settings (YAML/JSON, the ServeConfig shape)')
          .option('--base-model <model>', 'base model to check against (default: adapter_metadata.json\'s base_model.name, else adapter_config.json\'s base_model_name_or_path)')
          .addHelpText('after', examples('lorakit adapter check adapters/legal-qa-de-en', 'lorakit adapter check out/adapter --serve serve.yaml --json')),
      ),
      async () => (await import('./commands/adapter.js')).adapterCheckCommand,
    );
  }

  const vllm = program
    .command('vllm')
    .description('vLLM multi-LoRA serving: serve config, memory plan, runtime adapters, routing')
    .addHelpText('after', examples('lorakit vllm config --base-model Qwen/Qwen2.5-7B-Instruct --adapter legal=/adapters/legal --format command'));
  if (wanted('vllm')) {
    const serveOptions = (cmd: Command) =>
      cmd
        .option('-c, --config <file>', 'serve settings (YAML or JSON, the ServeConfig shape); flags override it')
        .option('--base-model <model>', 'base model (Hugging Face id or path)')
        .option('--adapter <name=dir>', 'a LoRA adapter to serve (repeatable); a local dir gives its rank', collect)
        .option('--vllm-version <version>', 'target vLLM release (decides which flags exist)')
        .option('--port <port>', 'HTTP port', int('--port'))
        .option('--max-model-len <n>', '--max-model-len', int('--max-model-len', 1))
        .option('--tensor-parallel-size <n>', 'GPUs per replica', int('--tensor-parallel-size', 1))
        .option('--max-lora-rank <n>', 'largest adapter rank (1, 8, 16, 32, 64, 128, 256, 320, 512)', int('--max-lora-rank', 1))
        .option('--runtime-lora-updating', 'enable the load/unload endpoints (trusted networks only)')
        .option('--adapter-volume-claim <pvc>', 'k8s: PersistentVolumeClaim holding the adapters, mounted at /adapters (needed for local adapter paths)');
    run(
      withFormat(
        serveOptions(vllm.command('config').description('the vLLM serve configuration for a base model and its LoRA adapters'))
          .option('-o, --output <file>', 'write to this file (atomically) instead of stdout')
          .option('--force', 'replace an existing output file'),
        ['command', 'args', 'yaml', 'env', 'compose', 'k8s', 'json'],
      ).addHelpText(
        'after',
        examples(
          'lorakit vllm config --base-model Qwen/Qwen2.5-7B-Instruct --adapter legal=/adapters/legal',
          'lorakit vllm config --config serve.yaml --format k8s > vllm.yaml',
        ),
      ),
      async () => (await import('./commands/vllm.js')).vllmConfigCommand,
    );
    run(
      withFormat(
        serveOptions(vllm.command('plan').description('GPU memory vLLM reserves for LoRA slots with these settings'))
          .option('--shape <model>', 'model whose layer shapes to use (default: --base-model)'),
      ).addHelpText('after', examples('lorakit vllm plan --base-model meta-llama/Meta-Llama-3-8B-Instruct --adapter a=/ad/a --max-lora-rank 64')),
      async () => (await import('./commands/vllm.js')).vllmPlanCommand,
    );
    const runtime = (cmd: Command) =>
      cmd
        .requiredOption('--url <url>', 'base URL of the running vLLM server, e.g. http://localhost:8000')
        .option('--api-key-env <name>', 'environment variable holding the API key', 'VLLM_API_KEY');
    run(
      withFormat(runtime(vllm.command('models').description('list what a running vLLM serves: the base model and its adapters'))).addHelpText(
        'after',
        examples('lorakit vllm models --url http://localhost:8000'),
      ),
      async () => (await import('./commands/vllm.js')).vllmModelsCommand,
    );
    run(
      runtime(vllm.command('load').description('load a LoRA adapter into a running vLLM (needs runtime LoRA updating)'))
        .argument('<name=dir>', 'adapter name and directory as the server sees it')
        .addHelpText('after', examples('lorakit vllm load legal=/adapters/legal --url http://localhost:8000')),
      async () => (await import('./commands/vllm.js')).vllmLoadCommand,
    );
    run(
      runtime(vllm.command('unload').description('unload a LoRA adapter from a running vLLM'))
        .argument('<name>', 'adapter name')
        .addHelpText('after', examples('lorakit vllm unload legal --url http://localhost:8000')),
      async () => (await import('./commands/vllm.js')).vllmUnloadCommand,
    );
    run(
      withFormat(
        vllm
          .command('route')
          .description('which adapter would answer TEXT, and why (matches task keywords, domain and type)')
          .argument('<text>', 'the request text')
          .requiredOption('--adapters <dir>', 'folder searched (recursively) for adapter_metadata.json files')
          .option('--base-model <model>', 'served base model, the fallback (default: the first adapter\'s base model)')
          .option('--threshold <n>', 'minimum confidence to pick an adapter (0-1)', Number)
          .addHelpText('after', examples('lorakit vllm route "Wie lange ist die Kündigungsfrist für meine Wohnung?" --adapters demo-output')),
      ),
      async () => (await import('./commands/vllm.js')).vllmRouteCommand,
    );
  }

  run(
    program
      .command('serve')
      .description('run the lorakit HTTP server (the lorakit-server executable of @lorakit/server)')
      .argument('[args...]', 'passed to lorakit-server unchanged (put them after --)')
      .addHelpText('after', examples('lorakit serve', 'lorakit serve -- --help')),
    async () => (await import('./commands/serve.js')).serveCommand,
    { cleansUp: true },
  );

  return program;
}

function interruptible(work: Promise<number>, signal: AbortSignal): Promise<number> {
  if (signal.aborted) return Promise.reject(new CliError('CLI_INTERRUPTED', 'interrupted'));
  return new Promise<number>((resolve, reject) => {
    const onAbort = () => reject(new CliError('CLI_INTERRUPTED', 'interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (code) => {
        signal.removeEventListener('abort', onAbort);
        resolve(code);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

