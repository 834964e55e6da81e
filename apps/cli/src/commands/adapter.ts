import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServeConfigInput } from '@lorakit/vllm-config';
import { CliError } from '../errors.js';
import { ExitCode, errorCode } from '../exit-code.js';
import { resolvePath, type CommandContext } from '../internal/context.js';
import { assertReadableFile, readJsonFile, readText, writeTextAtomic } from '../internal/files.js';
import type { Opts } from '../program.js';

interface IssueLike {
  path: string;
  message: string;
  line?: number;
  code?: string;
}

function issuesOf(error: unknown): IssueLike[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  return Array.isArray(issues) ? (issues as IssueLike[]) : [];
}

function formatIssue(file: string, issue: IssueLike): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}`;
  return `${where}: ${issue.path === '' ? '(root)' : issue.path}: ${issue.message}`;
}

/**
 * Reads adapter_metadata.json. A PEFT adapter_config.json given instead is a usage error (exit 2) naming the command
 * that turns it into metadata, not "invalid metadata".
 */
async function readMetadata(ctx: CommandContext, file: string) {
  await assertReadableFile(ctx.io, file);
  const am = await import('@lorakit/adapter-metadata');
  try {
    return await am.readAdapterMetadata(resolvePath(ctx.io, file));
  } catch (error) {
    // The library refuses a PEFT config (peft_type, no adapter_id) with METADATA_INVALID and no issues.
    if (errorCode(error) === 'METADATA_INVALID' && issuesOf(error).length === 0) {
      const json = await readJsonFile(ctx.io, file);
      if (typeof json === 'object' && json !== null && 'peft_type' in json) {
        throw new CliError('CLI_USAGE', `${file}: this is a PEFT adapter_config.json, not lorakit adapter metadata ` +
          `(adapter_metadata.json); to write metadata from it run: lorakit adapter from-peft ${file} --id <adapter-id> ` +
          `-o ${am.ADAPTER_METADATA_FILE}`, { cause: error });
      }
    }
    throw error;
  }
}

/** `lorakit adapter validate META`: exit 0 when the metadata is valid (warnings printed), 1 when it is not. */
export async function adapterValidateCommand(args: unknown[], _opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const { out } = ctx;
  try {
    const { metadata, warnings } = await readMetadata(ctx, file);
    if (out.format === 'json') {
      out.json({ valid: true, adapter_id: metadata.adapter_id, adapter_version: metadata.adapter_version, warnings });
    } else {
      for (const w of warnings) out.line(`${formatIssue(file, w)} ${out.colors.dim('[warning]')}`);
      out.line(`${file}: ${out.colors.green('valid')} (${metadata.adapter_id} ${metadata.adapter_version}` +
        `${warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''})`);
    }
    return ExitCode.ok;
  } catch (error) {
    if (errorCode(error) !== 'METADATA_INVALID') throw error;
    const issues = issuesOf(error);
    if (out.format === 'json') out.json({ valid: false, issues });
    else {
      for (const issue of issues) out.line(formatIssue(file, issue));
      out.line(`${file}: ${out.colors.red(`invalid (${issues.length} issue${issues.length === 1 ? '' : 's'})`)}`);
    }
    return ExitCode.dataFailed;
  }
}

/**
 * `lorakit adapter peft META [-o adapter_config.json] [--peft-version V]`: the PEFT config vLLM and PEFT load.
 * Refused (exit 2) when the metadata leaves out a LoRA hyper-parameter: the file would carry made-up values.
 */
export async function adapterPeftCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const { metadata } = await readMetadata(ctx, file);
  const am = await import('@lorakit/adapter-metadata');
  const missing = am.missingLoraHyperparameters(await readJsonFile(ctx.io, file));
  if (missing.length > 0) {
    throw new CliError('CLI_USAGE', `${file} has no ${missing.join(', ')}: an adapter_config.json would carry made-up ` +
      'values that do not match the trained weights; add them to the metadata (the training run\'s r, lora_alpha, lora_dropout)');
  }
  const peftVersion = opts['peftVersion'] as string | undefined;
  const config = am.toPeftConfig(metadata, peftVersion === undefined ? {} : { peftVersion });
  const target = (opts['output'] as string | undefined) ?? '-';
  await writeTextAtomic(ctx.io, target, `${JSON.stringify(config, null, 2)}\n`, { force: opts['force'] === true });
  if (target !== '-') ctx.out.info(`wrote ${target}`);
  return ExitCode.ok;
}


/**
 * `lorakit adapter from-peft CONFIG --id ID [--adapter-version V] [--base-model M] [-o adapter_metadata.json]`:
 * adapter metadata from a PEFT adapter_config.json (base model and LoRA hyper-parameters; other keys are kept under
 * training.peft so `adapter peft` writes them back).
 */
export async function adapterFromPeftCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const json = await readJsonFile(ctx.io, file);
  const am = await import('@lorakit/adapter-metadata');
  let converted: ReturnType<typeof am.fromPeftConfig>;
  try {
    converted = am.fromPeftConfig(json);
  } catch (error) {
    if (errorCode(error) !== 'METADATA_PEFT_CONFIG_INVALID') throw error;
    throw new CliError('CLI_USAGE', `${file}: ${(error as Error).message}`, { cause: error });
  }
  const { metadata, warnings } = converted;
  const baseModel = (opts['baseModel'] as string | undefined) ?? metadata.base_model?.name;
  if (baseModel === undefined) {
    const local = metadata.base_model?.serving_name;
    throw new CliError(
      'CLI_USAGE',
      local === undefined
        ? `${file} names no base model (base_model_name_or_path); pass --base-model <hub-id>`
        : `${file} names its base model by a local path (${local}), not a Hub id; pass --base-model <hub-id> (the path is kept as base_model.serving_name)`,
    );
  }
  for (const w of warnings) ctx.out.warn(`${file}: ${w.path === '' ? '' : `${w.path}: `}${w.message}`);
  const version = opts['adapterVersion'] as string | undefined;
  const input = {
    ...metadata,
    adapter_id: opts['id'] as string,
    ...(version !== undefined && { adapter_version: version }),
    base_model: { ...metadata.base_model, name: baseModel },
  };
  const target = (opts['output'] as string | undefined) ?? '-';
  if (target === '-') {
    ctx.io.stdout.write(`${JSON.stringify(am.parseAdapterMetadata(input), null, 2)}\n`);
    return ExitCode.ok;
  }
  const path = resolvePath(ctx.io, target);
  if (opts['force'] !== true && existsSync(path)) throw new CliError('CLI_FILE_EXISTS', `${target}: already exists (pass --force to replace it)`);
  // writeAdapterMetadata validates, writes atomically and never replaces a PEFT config with metadata.
  await am.writeAdapterMetadata(path, input);
  ctx.out.info(`wrote ${target}`);
  return ExitCode.ok;
}

/** `lorakit adapter card META [-o README.md]`: the Hugging Face model card. */
export async function adapterCardCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const { metadata } = await readMetadata(ctx, file);
  const am = await import('@lorakit/adapter-metadata');
  const adapterPath = opts['adapterPath'] as string | undefined;
  const card = am.toModelCard(metadata, adapterPath === undefined ? {} : { adapterPath });
  for (const w of card.warnings) ctx.out.warn(`${w.path === '' ? '' : `${w.path}: `}${w.message}`);
  const target = (opts['output'] as string | undefined) ?? '-';
  await writeTextAtomic(ctx.io, target, card.markdown, { force: opts['force'] === true });
  if (target !== '-') ctx.out.info(`wrote ${target}`);
  return ExitCode.ok;
}

/** `lorakit adapter lineage ID --dir DIR`: the chain of parents, the adapter first. */
export async function adapterLineageCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const id = args[0] as string;
  const dir = opts['dir'] as string;
  const am = await import('@lorakit/adapter-metadata');
  const version = opts['adapterVersion'] as string | undefined;
  const chain = await am.resolveLineage(id, am.createDirectoryLookup(resolvePath(ctx.io, dir)), version === undefined ? {} : { version });
  if (ctx.out.format === 'json') {
    ctx.out.json(chain.map((m) => ({ adapter_id: m.adapter_id, adapter_version: m.adapter_version, base_model: m.base_model.name })));
  } else {
    for (const [i, m] of chain.entries()) ctx.out.line(`${'  '.repeat(i)}${i === 0 ? '' : '└ '}${m.adapter_id}@${m.adapter_version} (${m.base_model.name})`);
  }
  return ExitCode.ok;
}

const CHANGES: Record<string, 'data' | 'fix' | 'base_model'> = { data: 'data', fix: 'fix', 'base-model': 'base_model' };

/** `lorakit adapter bump META --change data|fix|base-model [--write]`: the next version (MINOR, PATCH, MAJOR). */
/**
 * The metadata file with only adapter_version changed. Writing the parsed metadata would add the model's defaults
 * (a lora_alpha or lora_dropout written that way makes `adapter peft` put made-up values in adapter_config.json), and
 * a JSON round trip would rewrite numbers and layout, so the version's string is replaced in the text; a file
 * without one gets it after adapter_id, and is then written as 2-space JSON unless a number would change.
 */
async function bumpedText(ctx: CommandContext, file: string, next: string): Promise<string> {
  const text = await readText(ctx.io, file);
  const raw = (await readJsonFile(ctx.io, file)) as Record<string, unknown>;
  const matches = [...text.matchAll(/("adapter_version"\s*:\s*)"(?:[^"\\]|\\.)*"/g)];
  if (matches.length === 1) {
    const m = matches[0] as RegExpExecArray;
    const bumped = `${text.slice(0, m.index)}${m[1] as string}${JSON.stringify(next)}${text.slice(m.index + m[0].length)}`;
    // The one match is the top-level key unless the parse says otherwise.
    const parsed = JSON.parse(bumped.charCodeAt(0) === 0xfeff ? bumped.slice(1) : bumped) as Record<string, unknown>;
    if (parsed['adapter_version'] === next) return bumped;
  }
  const sv = await import('@lorakit/schema-validation');
  if (sv.findUnsafeNumbers(text, raw).length > 0) {
    throw new CliError('CLI_USAGE', `${file}: cannot set adapter_version without changing numbers JSON cannot keep exactly; set "adapter_version": "${next}" by hand`);
  }
  const bumped = Object.hasOwn(raw, 'adapter_version') ? { ...raw, adapter_version: next } : { adapter_id: raw['adapter_id'], adapter_version: next, ...raw };
  return `${JSON.stringify(bumped, null, 2)}\n`;
}

export async function adapterBumpCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const file = args[0] as string;
  const change = CHANGES[opts['change'] as string];
  if (change === undefined) throw new CliError('CLI_USAGE', '--change must be data, fix or base-model');
  const { metadata } = await readMetadata(ctx, file);
  const am = await import('@lorakit/adapter-metadata');
  const next = am.nextVersion(metadata, change);
  if (opts['write'] === true) {
    await writeTextAtomic(ctx.io, file, await bumpedText(ctx, file, next), { force: true });
    ctx.out.info(`${file}: adapter_version ${metadata.adapter_version} -> ${next}`);
  }
  if (ctx.out.format === 'json') ctx.out.json({ adapter_id: metadata.adapter_id, from: metadata.adapter_version, to: next, written: opts['write'] === true });
  else ctx.out.line(next);
  return ExitCode.ok;
}

/**
 * `lorakit adapter check DIR [--serve serve.yaml | --base-model M]`: will vLLM serve it? Exit 1 when not. Without
 * either option the base model comes from adapter_metadata.json, else from adapter_config.json.
 */
export async function adapterCheckCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const dir = args[0] as string;
  const vc = await import('@lorakit/vllm-config');
  let serve: Record<string, unknown>;
  const serveFile = opts['serve'] as string | undefined;
  if (serveFile !== undefined) {
    const { parse } = await import('yaml');
    const text = await readText(ctx.io, serveFile);
    try {
      serve = parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new CliError('CLI_CONFIG_INVALID', `${serveFile}: ${(error as Error).message}`, { cause: error });
    }
  } else {
    let model = opts['baseModel'] as string | undefined;
    if (model === undefined) {
      // The adapter names the base model it was trained on, the natural thing to serve it with: in its metadata,
      // else in PEFT's base_model_name_or_path.
      const am = await import('@lorakit/adapter-metadata');
      const metaPath = join(resolvePath(ctx.io, dir), am.ADAPTER_METADATA_FILE);
      const configFile = join(dir, 'adapter_config.json');
      if (existsSync(metaPath)) model = (await am.readAdapterMetadata(metaPath)).metadata.base_model.name;
      else if (existsSync(resolvePath(ctx.io, configFile))) {
        const config = await readJsonFile(ctx.io, configFile);
        const named = (config as { base_model_name_or_path?: unknown } | null)?.base_model_name_or_path;
        if (typeof named === 'string' && named !== '') model = named;
      }
      if (model === undefined) {
        throw new CliError('CLI_USAGE', `adapter check needs --serve FILE or --base-model M (${dir} has no ` +
          `${am.ADAPTER_METADATA_FILE}, and no adapter_config.json naming base_model_name_or_path)`);
      }
    }
    serve = { model };
  }
  const report = await vc.checkAdapter(resolvePath(ctx.io, dir), serve as ServeConfigInput);
  if (ctx.out.format === 'json') ctx.out.json(report);
  else ctx.out.line(vc.formatServabilityReport(report));
  return report.servable ? ExitCode.ok : ExitCode.dataFailed;
}
