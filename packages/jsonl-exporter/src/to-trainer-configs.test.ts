import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { toAxolotlConfig, toDatasetCard, toDatasetInfo } from './to-trainer-configs.js';

const files = [
  { path: 'train.jsonl', split: 'train' },
  { path: 'validation.jsonl', split: 'validation' },
];

describe('toDatasetInfo (LLaMA-Factory)', () => {
  it('alpaca columns for the instruction style, one entry per split', () => {
    expect(toDatasetInfo({ name: 'legal', style: 'instruction', files })).toEqual({
      legal: {
        file_name: 'train.jsonl',
        formatting: 'alpaca',
        columns: { prompt: 'instruction', query: 'input', response: 'output' },
      },
      legal_validation: {
        file_name: 'validation.jsonl',
        formatting: 'alpaca',
        columns: { prompt: 'instruction', query: 'input', response: 'output' },
      },
    });
  });

  it('maps the system column only when the lines carry one', () => {
    const columns = (style: 'instruction' | 'sharegpt', system?: boolean) =>
      Object.values(toDatasetInfo({ name: 'd', style, files, ...(system === undefined ? {} : { system }) }) ?? {}).map(
        (entry) => (entry as { columns: Record<string, string> }).columns['system'],
      );
    expect(columns('instruction')).toEqual([undefined, undefined]);
    expect(columns('instruction', true)).toEqual(['system', 'system']);
    expect(columns('sharegpt', false)).toEqual([undefined, undefined]);
    expect(columns('sharegpt', true)).toEqual(['system', 'system']);
  });

  it('sharegpt tags for chat (role/content) and sharegpt (from/value) styles', () => {
    const chat = toDatasetInfo({ name: 'd', style: 'chat', files: files.slice(0, 1) }) as Record<string, Record<string, unknown>>;
    expect(chat['d']).toMatchObject({ formatting: 'sharegpt', columns: { messages: 'messages' }, tags: { role_tag: 'role', user_tag: 'user' } });
    const share = toDatasetInfo({ name: 'd', style: 'sharegpt', files: files.slice(0, 1) }) as Record<string, Record<string, unknown>>;
    expect(share['d']).toMatchObject({
      columns: { messages: 'conversations' },
      tags: { role_tag: 'from', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
    });
  });

  it('one entry per shard, since file_name takes one file', () => {
    const shards = [0, 1].map((i) => ({ path: `train-0000${i}-of-00002.jsonl`, split: 'train' }));
    expect(Object.keys(toDatasetInfo({ name: 'd', style: 'completion', files: shards }) ?? {})).toEqual(['d_00000', 'd_00001']);
  });

  it('nothing for gzip or zstd files, which LLaMA-Factory cannot load', () => {
    for (const ext of ['gz', 'zst']) {
      expect(toDatasetInfo({ name: 'd', style: 'instruction', files: [{ path: `train.jsonl.${ext}`, split: 'train' }] })).toBeUndefined();
    }
  });

  it('nothing for the custom style', () => {
    expect(toDatasetInfo({ name: 'd', style: 'custom', files })).toBeUndefined();
  });

  it('nothing for instruction lines that may lack input: LLaMA-Factory would fail on a file where none has one', () => {
    expect(toDatasetInfo({ name: 'd', style: 'instruction', files, input: false })).toBeUndefined();
    expect(toDatasetInfo({ name: 'd', style: 'instruction', files, input: true })).toHaveProperty('d');
  });
});

describe('toAxolotlConfig', () => {
  it('datasets and test_datasets for alpaca, each split with a path of its own', () => {
    const doc = YAML.parse(toAxolotlConfig({ name: 'd', style: 'instruction', files }, './out') ?? '') as Record<string, unknown>;
    // axolotl loads a local JSON file named by `path`. Before, both entries had `path: ./out` and differed only in
    // data_files, which axolotl's prepared-data cache key leaves out: evaluation could run on the training data.
    expect(doc).toEqual({
      datasets: [{ path: './out/train.jsonl', ds_type: 'json', split: 'train', type: 'alpaca' }],
      test_datasets: [{ path: './out/validation.jsonl', ds_type: 'json', split: 'train', type: 'alpaca' }],
    });
  });

  it('shards: training as the directory with data_files, validation by its split in the dataset card, so no two entries share a cache key', () => {
    const shards = [
      { path: 'train-00000-of-00002.jsonl.gz', split: 'train' },
      { path: 'train-00001-of-00002.jsonl.gz', split: 'train' },
      { path: 'validation-00000-of-00002.jsonl.gz', split: 'validation' },
      { path: 'validation-00001-of-00002.jsonl.gz', split: 'validation' },
    ];
    const doc = YAML.parse(toAxolotlConfig({ name: 'd', style: 'chat', files: shards }) ?? '') as Record<string, Record<string, unknown>[]>;
    expect(doc['datasets']?.[0]).toMatchObject({
      path: '.',
      ds_type: 'json',
      data_files: ['./train-00000-of-00002.jsonl.gz', './train-00001-of-00002.jsonl.gz'],
      split: 'train',
      type: 'chat_template',
    });
    expect(doc['test_datasets']?.[0]).toMatchObject({ path: '.', split: 'validation', type: 'chat_template' });
    expect(doc['test_datasets']?.[0]).not.toHaveProperty('data_files');
    // axolotl's key: path, type, shards, conversation, split, temperature (utils/data/shared.py).
    const key = (e: Record<string, unknown> | undefined) => JSON.stringify([e?.['path'], e?.['type'], e?.['split']]);
    expect(key(doc['datasets']?.[0])).not.toBe(key(doc['test_datasets']?.[0]));
  });

  it('says where it runs and when its cache is stale, and is left out for instruction lines that may lack input', () => {
    const text = toAxolotlConfig({ name: 'd', style: 'instruction', files }) ?? '';
    expect(text).toMatch(/^# axolotl datasets for this export.*\n# Paths are relative to where axolotl runs: run it in this directory.*\n# axolotl keys its dataset_prepared_path cache/);
    // HF datasets refuses files whose columns differ: one split with `input` and one without fails to load.
    expect(toAxolotlConfig({ name: 'd', style: 'instruction', files, input: false })).toBeUndefined();
  });

  it('alpaca_w_system when the lines carry a system column, which type alpaca never reads', () => {
    const doc = YAML.parse(toAxolotlConfig({ name: 'd', style: 'instruction', files, system: true }) ?? '') as { datasets: { type: string }[] };
    expect(doc.datasets[0]?.type).toBe('alpaca_w_system.load_instruct');
  });

  it('openai lines, whose messages may carry weights of their own: axolotl reads them as each message\'s training flag', () => {
    type Entry = Record<string, unknown>;
    // Before: only with assistantWeight, so axolotl trained the weight-0 answers a record brought with it.
    const openai = YAML.parse(toAxolotlConfig({ name: 'd', style: 'openai', files }) ?? '') as { datasets: Entry[] };
    expect(openai.datasets[0]).toMatchObject({ type: 'chat_template', field_messages: 'messages', message_field_training: 'weight' });
    const chat = YAML.parse(toAxolotlConfig({ name: 'd', style: 'chat', files }) ?? '') as { datasets: Entry[] };
    expect(chat.datasets[0]).not.toHaveProperty('message_field_training');
  });

  it('writes every entry in full, without YAML anchors and aliases', () => {
    const text = toAxolotlConfig({ name: 'd', style: 'sharegpt', files }) ?? '';
    expect(text).not.toMatch(/[&*]a\d/);
    expect(text.match(/message_property_mappings:/g)).toHaveLength(2);
  });
});

describe('toDatasetCard', () => {
  it('says which trainers honour the messages\' weight of an openai export, and only there', () => {
    expect(toDatasetCard({ name: 'd', style: 'openai', files })).toContain('LLaMA-Factory (`dataset_info.json`) and TRL train on every assistant message');
    expect(toDatasetCard({ name: 'd', style: 'chat', files })).not.toContain('weight');
  });

  it('front matter with configs/data_files per split and a TRL load_dataset snippet', () => {
    const card = toDatasetCard({ name: 'legal', style: 'instruction', files });
    const front = card.split('---\n')[1] ?? '';
    expect(YAML.parse(front)).toEqual({
      configs: [
        {
          config_name: 'default',
          data_files: [
            { split: 'train', path: 'train.jsonl' },
            { split: 'validation', path: 'validation.jsonl' },
          ],
        },
      ],
    });
    expect(card).toContain('load_dataset("json", data_files={"train": ["train.jsonl"], "validation": ["validation.jsonl"]})');
    expect(card).toContain('SFTTrainer');
  });

  it('maps alpaca and ShareGPT rows to messages before SFTTrainer, which reads neither; its own formats go as they are', () => {
    const alpaca = toDatasetCard({ name: 'd', style: 'instruction', files });
    expect(alpaca).toContain('def to_messages(row):');
    expect(alpaca).toContain('row["instruction"] + ("\\n\\n" + row["input"] if row.get("input") else "")');
    expect(alpaca.indexOf('dataset = dataset.map(to_messages')).toBeLessThan(alpaca.indexOf('trainer = SFTTrainer'));
    const sharegpt = toDatasetCard({ name: 'd', style: 'sharegpt', files });
    expect(sharegpt).toContain('ROLES = {"system": "system", "human": "user", "gpt": "assistant"}');
    expect(sharegpt).toContain('dataset = dataset.map(to_messages');
    for (const style of ['chat', 'openai', 'completion', 'text'] as const) {
      expect(toDatasetCard({ name: 'd', style, files })).not.toContain('dataset.map');
    }
  });

  it('says where its own config falls short: text is pre-training data for LLaMA-Factory, alpaca lines without input may not load', () => {
    // Under stage: sft LLaMA-Factory drops every row that has no response.
    expect(toDatasetCard({ name: 'd', style: 'text', files })).toContain('use `dataset_info.json` with `stage: pt`, not `stage: sft`');
    expect(toDatasetCard({ name: 'd', style: 'chat', files })).not.toContain('stage: pt');
    // Compressed files get no dataset_info.json to use.
    expect(toDatasetCard({ name: 'd', style: 'text', files: [{ path: 'train.jsonl.gz', split: 'train' }] })).not.toContain('stage: pt');
    const noInput = toDatasetCard({ name: 'd', style: 'instruction', files, input: false });
    expect(noInput).toMatch(/# Lines were written without an empty `input`.*\n.*\ndataset = load_dataset\("json"/);
    expect(toDatasetCard({ name: 'd', style: 'instruction', files })).not.toContain('without an empty `input`');
    const zst = toDatasetCard({ name: 'd', style: 'chat', files: [{ path: 'train.jsonl.zst', split: 'train' }] });
    expect(zst).toContain('```python\n# .zst files: pip install zstandard');
    expect(toDatasetCard({ name: 'd', style: 'chat', files })).not.toContain('zstandard');
  });
});
