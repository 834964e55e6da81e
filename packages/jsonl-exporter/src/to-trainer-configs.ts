import YAML from 'yaml';
import type { ExportStyle } from './export-config.js';

/** One written data file, relative to the output directory. */
export interface TrainerDataFile {
  /** Path relative to the output directory, e.g. `train.jsonl` or `train-00000-of-00002.jsonl.gz`. */
  path: string;
  /** `train`, `validation` or `test`. */
  split: string;
}

/** Input of the trainer config builders. */
export interface TrainerConfigInput {
  /** Dataset name (the key in dataset_info.json, the card's title). */
  name: string;
  style: ExportStyle;
  files: TrainerDataFile[];
  /** Free text for the dataset card. */
  description?: string;
  /**
   * The lines carry a top-level `system` key (styles instruction and sharegpt with `field_mapping.system_prompt` or
   * `system_field` set): map it. LLaMA-Factory reads a mapped column from every line and fails on a file without it.
   * @default false
   */
  system?: boolean;
  /**
   * Instruction style: every line carries `input` (`format.include_empty_input`). LLaMA-Factory reads its `query`
   * column from every line and fails on a file where no line has one, so without it there is no dataset_info.json.
   * @default true
   */
  input?: boolean;
  /**
   * @deprecated Ignored: for the openai style axolotl.yaml always reads the messages' `weight`
   * (`message_field_training`), which records may carry themselves; a message without one is trained by its role.
   */
  assistantWeight?: boolean;
}

/** The trainer configs {@link toTrainerConfigs} builds, by file name. */
export interface TrainerConfigs {
  /**
   * `dataset_info.json` for LLaMA-Factory; undefined for the custom style, whose columns only the user knows, for
   * gzip/zstd files, which LLaMA-Factory does not read, and for instruction lines that may lack `input`.
   */
  'dataset_info.json': string | undefined;
  /** `axolotl.yaml`: a `datasets:` / `test_datasets:` snippet (undefined for the custom style and for instruction lines that may lack `input`). */
  'axolotl.yaml': string | undefined;
  /** `README.md`: a Hugging Face dataset card with `configs`/`data_files` per split and a TRL snippet. */
  'README.md': string;
}

function splitsOf(files: TrainerDataFile[]): Map<string, string[]> {
  const bySplit = new Map<string, string[]>();
  for (const f of files) {
    const list = bySplit.get(f.split) ?? [];
    list.push(f.path);
    bySplit.set(f.split, list);
  }
  return bySplit;
}

function llamaFactoryEntry(style: ExportStyle, system: boolean): Record<string, unknown> | undefined {
  const systemColumn = system ? { system: 'system' } : {};
  switch (style) {
    case 'instruction':
      return { formatting: 'alpaca', columns: { prompt: 'instruction', query: 'input', response: 'output', ...systemColumn } };
    case 'completion':
      return { formatting: 'alpaca', columns: { prompt: 'prompt', response: 'completion' } };
    case 'text':
      return { columns: { prompt: 'text' } };
    case 'sharegpt':
      return {
        formatting: 'sharegpt',
        columns: { messages: 'conversations', ...systemColumn },
        tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
      };
    case 'chat':
    case 'openai':
      return {
        formatting: 'sharegpt',
        columns: { messages: 'messages' },
        tags: { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' },
      };
    case 'custom':
      return undefined;
  }
}

/**
 * LLaMA-Factory picks the loader by a file's last extension and knows no `gz` or `zst` ("Allowed file types:
 * arrow,csv,json,jsonl,parquet,txt"), so compressed files get no dataset_info.json.
 */
export function isCompressed(path: string): boolean {
  return /\.(?:gz|zst)$/.test(path);
}

/** Some file is gzip or zstd (see {@link isCompressed}). */
function anyCompressed(input: TrainerConfigInput): boolean {
  return input.files.some((f) => isCompressed(f.path));
}

/** Instruction lines written without an empty `input`: files, and splits, differ in their columns. */
function inputMayLack(input: TrainerConfigInput): boolean {
  return input.style === 'instruction' && input.input === false;
}

/**
 * LLaMA-Factory `dataset_info.json`: one entry per split (`<name>`, `<name>_validation`, ...) with the `formatting`,
 * `columns` and `tags` of the style (`system` only with `input.system`). Undefined for the custom style, for
 * compressed files (see {@link isCompressed}) and for instruction lines that may lack `input` (`input.input` false).
 */
export function toDatasetInfo(input: TrainerConfigInput): Record<string, unknown> | undefined {
  const entry = llamaFactoryEntry(input.style, input.system === true);
  if (!entry || anyCompressed(input) || inputMayLack(input)) return undefined;
  const info: Record<string, unknown> = {};
  for (const [split, paths] of splitsOf(input.files)) {
    const key = split === 'train' ? input.name : `${input.name}_${split}`;
    // LLaMA-Factory's file_name is one file or folder, and shards share the output folder with other files: a
    // sharded split gets one entry per shard (`<name>_00000`, ...), listed together in `--dataset`.
    if (paths.length === 1) info[key] = { file_name: paths[0], ...entry };
    else paths.forEach((path, i) => (info[`${key}_${String(i).padStart(5, '0')}`] = { file_name: path, ...entry }));
  }
  return info;
}

function axolotlType(style: ExportStyle, system: boolean): Record<string, unknown> | undefined {
  switch (style) {
    case 'instruction':
      // `alpaca` reads instruction, input and output only: a system column would never reach training.
      // alpaca_w_system's instruct prompt is alpaca's, after `### System:` when a line's system is not empty.
      return { type: system ? 'alpaca_w_system.load_instruct' : 'alpaca' };
    case 'completion':
      return {
        type: { field_instruction: 'prompt', field_output: 'completion', format: '{instruction}', no_input_format: '{instruction}' },
      };
    case 'text':
      return { type: 'completion', field: 'text' };
    case 'sharegpt':
      return {
        type: 'chat_template',
        field_messages: 'conversations',
        message_property_mappings: { role: 'from', content: 'value' },
        roles: { user: ['human'], assistant: ['gpt'], system: ['system'] },
      };
    case 'chat':
    case 'openai': {
      const type = { type: 'chat_template', field_messages: 'messages', message_property_mappings: { role: 'role', content: 'content' } };
      // openai messages may carry `weight` 0/1 (the record's own, or format.openai_assistant_weight). axolotl takes a
      // message's message_field_training value as its training flag, weight 0 keeping an answer out of the loss; a
      // message without the key is trained by roles_to_train (default assistant): chat_template.py, get_conversation_thread.
      return style === 'openai' ? { ...type, message_field_training: 'weight' } : type;
    }
    case 'custom':
      return undefined;
  }
}

/**
 * An axolotl `datasets:` (and `test_datasets:`) YAML snippet for the written files, read from `dir` (paths are
 * relative to where axolotl runs). Undefined for custom, and for instruction lines that may lack `input`: HF datasets,
 * which axolotl loads with, refuses files (or 10 MB blocks of one) whose columns differ.
 *
 * axolotl names its prepared-data cache (`dataset_prepared_path`) after each entry's path, type and split, not its
 * `data_files`: entries differing only there would share it, and evaluation would silently run on the training data.
 * So a split in one file is named by its path (which axolotl loads as a JSON file); training shards are the directory
 * with `data_files`; validation shards are the directory with `split: validation`, which HF datasets reads from the
 * dataset card's `configs` (preparing the other splits of the card too).
 */
export function toAxolotlConfig(input: TrainerConfigInput, dir = '.'): string | undefined {
  const type = axolotlType(input.style, input.system === true);
  if (!type || inputMayLack(input)) return undefined;
  const bySplit = splitsOf(input.files);
  // axolotl loads local files only when `path` exists (a file, or a directory). With `path: json` (no such directory)
  // it went on to download `data_files` from a Hub dataset named "json", and failed.
  const entry = (split: string, paths: string[]) => {
    if (paths.length === 1) return { path: `${dir}/${paths[0]}`, ds_type: 'json', split: 'train', ...type };
    if (split === 'train') return { path: dir, ds_type: 'json', data_files: paths.map((p) => `${dir}/${p}`), split: 'train', ...type };
    return { path: dir, split, ...type };
  };
  const doc: Record<string, unknown> = { datasets: [entry('train', bySplit.get('train') ?? [])] };
  const validation = bySplit.get('validation');
  if (validation) doc['test_datasets'] = [entry('validation', validation)];
  const header = [
    '# axolotl datasets for this export: paste into your axolotl config.',
    `# Paths are relative to where axolotl runs${dir === '.' ? ': run it in this directory, or edit them' : ''}.`,
    '# axolotl keys its dataset_prepared_path cache by path, type and split, not by the files: clear it after a re-export.',
  ];
  // Written out in full: a snippet people edit by hand is no place for anchors and aliases.
  return `${header.join('\n')}\n${YAML.stringify(doc, { aliasDuplicateObjects: false })}`;
}

/**
 * Python lines turning the loaded `dataset` into a format TRL's SFTTrainer reads: `text`, `prompt`/`completion` or
 * `messages` with role/content. Alpaca and ShareGPT columns are neither, so those styles are mapped to messages.
 */
function trlConversion(style: ExportStyle): string[] {
  switch (style) {
    case 'instruction':
      return [
        '',
        '# SFTTrainer reads text, prompt/completion or messages: alpaca rows become messages.',
        'def to_messages(row):',
        '    user = row["instruction"] + ("\\n\\n" + row["input"] if row.get("input") else "")',
        '    messages = [{"role": "user", "content": user}, {"role": "assistant", "content": row["output"]}]',
        '    if row.get("system"):',
        '        messages.insert(0, {"role": "system", "content": row["system"]})',
        '    return {"messages": messages}',
        '',
        'dataset = dataset.map(to_messages, remove_columns=dataset["train"].column_names)',
      ];
    case 'sharegpt':
      return [
        '',
        '# SFTTrainer reads messages with role/content: ShareGPT turns (from/value) are renamed.',
        'ROLES = {"system": "system", "human": "user", "gpt": "assistant"}',
        '',
        'def to_messages(row):',
        '    messages = [{"role": ROLES[t["from"]], "content": t["value"]} for t in row["conversations"]]',
        '    if row.get("system"):',
        '        messages.insert(0, {"role": "system", "content": row["system"]})',
        '    return {"messages": messages}',
        '',
        'dataset = dataset.map(to_messages, remove_columns=dataset["train"].column_names)',
      ];
    case 'custom':
      return ['# style "custom": map the columns to text, prompt/completion or messages before training.'];
    default:
      // chat/openai (messages), completion (prompt/completion) and text are SFTTrainer's own formats.
      return [];
  }
}

/** A Hugging Face dataset card: front matter with `configs`/`data_files` per split, a summary and a TRL snippet. */
export function toDatasetCard(input: TrainerConfigInput): string {
  const bySplit = splitsOf(input.files);
  const dataFiles = [...bySplit].map(([split, paths]) => ({ split, path: paths.length === 1 ? paths[0] : paths }));
  const front = YAML.stringify({ configs: [{ config_name: 'default', data_files: dataFiles }] });
  const filesArg = [...bySplit].map(([split, paths]) => `"${split}": ${JSON.stringify(paths)}`).join(', ');
  const lines = [
    '---',
    front.trimEnd(),
    '---',
    '',
    `# ${input.name}`,
    '',
    input.description ?? `Training data exported by lorakit in the \`${input.style}\` style.`,
    '',
    '| split | files |',
    '|---|---|',
    ...[...bySplit].map(([split, paths]) => `| ${split} | ${paths.map((p) => `\`${p}\``).join(', ')} |`),
    '',
    // LLaMA-Factory's supervised stage drops a row without a response ("Cannot find valid samples").
    ...(input.style === 'text' && !anyCompressed(input)
      ? ['LLaMA-Factory reads these lines as pre-training text: use `dataset_info.json` with `stage: pt`, not `stage: sft`.', '']
      : []),
    // A record's own message weights are written whatever the config says, so this is said of every openai export.
    ...(input.style === 'openai'
      ? [
          'Assistant messages with `"weight": 0` are left out of training by OpenAI and by axolotl (`axolotl.yaml`);',
          'LLaMA-Factory (`dataset_info.json`) and TRL train on every assistant message.',
          '',
        ]
      : []),
    '## Use with TRL',
    '',
    '```python',
    // HF datasets reads zstd through an optional package (ZstdExtractor: "Please pip install zstandard").
    ...(input.files.some((f) => f.path.endsWith('.zst')) ? ['# .zst files: pip install zstandard (HF datasets reads zstd with it)'] : []),
    'from datasets import load_dataset',
    'from trl import SFTConfig, SFTTrainer',
    '',
    ...(inputMayLack(input)
      ? ['# Lines were written without an empty `input`: load_dataset refuses files whose columns differ. Re-export with', '# format.include_empty_input: true if it does.']
      : []),
    `dataset = load_dataset("json", data_files={${filesArg}})`,
    ...trlConversion(input.style),
    'trainer = SFTTrainer(model="<base model>", train_dataset=dataset["train"], args=SFTConfig(output_dir="out"))',
    'trainer.train()',
    '```',
    '',
    'The files sit beside `adapter_metadata.json`, `quality_report.json` and `manifest.json` (hashes of every file).',
    '',
  ];
  return lines.join('\n');
}

/** All trainer configs for an export, as file contents keyed by file name. */
export function toTrainerConfigs(input: TrainerConfigInput): TrainerConfigs {
  const info = toDatasetInfo(input);
  return {
    'dataset_info.json': info ? `${JSON.stringify(info, null, 2)}\n` : undefined,
    'axolotl.yaml': toAxolotlConfig(input),
    'README.md': toDatasetCard(input),
  };
}
