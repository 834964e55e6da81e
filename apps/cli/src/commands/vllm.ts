import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, sep } from 'node:path';
import { CliError } from '../errors.js';
import { ExitCode } from '../exit-code.js';
import { resolvePath, type CommandContext } from '../internal/context.js';
import { displayName, readText, writeTextAtomic } from '../internal/files.js';
import type { Opts } from '../program.js';
import type * as VllmConfig from '@lorakit/vllm-config';
import type { ServeConfigInput } from '@lorakit/vllm-config';

/** `NAME=DIR` (the form `--lora-modules` takes) into an adapter entry. */
function parseAdapter(spec: string): { name: string; path: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0 || eq === spec.length - 1) {
    throw new CliError('CLI_USAGE', `--adapter expects NAME=DIR, got "${spec}"`);
  }
  return { name: spec.slice(0, eq), path: spec.slice(eq + 1) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `~/x` as the shell would expand it (it does not after `name=`, as in `--adapter legal=~/x`). */
function expandHome(path: string, ctx: CommandContext): string {
  if (path !== '~' && !path.startsWith('~/')) return path;
  return join(ctx.io.env['HOME'] ?? homedir(), path.slice(1));
}

/**
 * Config file (YAML or JSON) merged with flags; flags win. An adapter directory that exists here (`~/` expanded),
 * from `--adapter` or the file, gives its rank, is refused when trained on another base model, and is written as an
 * absolute path: vLLM reads a path that does not exist from where it runs as a Hub repo id ("w/legal" is one), and a
 * container mounts host directories by absolute path.
 */
async function serveConfigInput(opts: Opts, ctx: CommandContext): Promise<Record<string, unknown>> {
  let base: Record<string, unknown> = {};
  const file = opts['config'] as string | undefined;
  if (file !== undefined) {
    const { parse } = await import('yaml');
    const text = await readText(ctx.io, file);
    let parsed: unknown;
    try {
      parsed = parse(text);
    } catch (error) {
      throw new CliError('CLI_CONFIG_INVALID', `${displayName(file)}: ${(error as Error).message}`, { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CliError('CLI_CONFIG_INVALID', `${displayName(file)}: expected a mapping of serve settings`);
    }
    base = parsed as Record<string, unknown>;
  }
  const input: Record<string, unknown> = { ...base };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) input[key] = value;
  };
  set('model', opts['baseModel']);
  set('vllmVersion', opts['vllmVersion']);
  set('port', opts['port']);
  set('maxModelLen', opts['maxModelLen']);
  set('tensorParallelSize', opts['tensorParallelSize']);
  set('adapterVolumeClaim', opts['adapterVolumeClaim']);
  if (opts['runtimeLoraUpdating'] === true) input['runtimeLoraUpdating'] = true;
  if (input['model'] === undefined) throw new CliError('CLI_USAGE', 'needs --base-model (or model: in --config)');
  if (opts['maxLoraRank'] !== undefined) {
    input['lora'] = { ...((base['lora'] as Record<string, unknown> | undefined) ?? {}), maxLoraRank: opts['maxLoraRank'] };
  }
  // The config file's adapters and --adapter flags alike: a folder that exists here is checked the same way.
  const fromFile = Array.isArray(base['adapters']) ? (base['adapters'] as unknown[]).map((a) => (isObject(a) ? { ...a } : a)) : [];
  const adapters = [...fromFile, ...((opts['adapter'] as string[] | undefined)?.map(parseAdapter) ?? [])];
  if (adapters.length > 0) {
    const vc = await import('@lorakit/vllm-config');
    // Each adapter is checked against the serve settings given (vLLM version, max_lora_rank, ...), not defaults; with
    // max_lora_rank unset the config takes the adapters' rank. Settings that do not parse are named by the serve
    // config's own validation below.
    const settings = { ...input };
    delete settings['adapters'];
    const checkWith = (vc.safeParseServeConfig(settings).success ? settings : { model: input['model'] }) as ServeConfigInput;
    for (const a of adapters) {
      // Anything malformed is left to the serve config's own validation, which names it.
      if (!isObject(a) || typeof a['name'] !== 'string' || typeof a['path'] !== 'string') continue;
      const local = resolvePath(ctx.io, expandHome(a['path'], ctx));
      if (!existsSync(local)) continue;
      // A local adapter folder knows its rank; with it --max-lora-rank is sized right instead of guessed.
      const rank = await vc.readAdapterRank(local);
      if (a['rank'] === undefined) {
        if (rank !== undefined) a['rank'] = rank;
      } else if (rank !== undefined && typeof a['rank'] === 'number' && a['rank'] < rank) {
        throw new CliError('CLI_CONFIG_INVALID', `adapter "${a['name']}": the config gives rank ${a['rank']}, but ${displayName(local)} holds an adapter of rank ${rank}, which a --max-lora-rank sized from ${a['rank']} cannot load: correct "rank" or leave it out`);
      }
      await assertServable(vc, a['name'], local, checkWith, ctx);
      a['path'] = local;
    }
    input['adapters'] = adapters;
  }
  return input;
}

/** Errors of an adapter folder that training clears: the weights, and the config keys training fills in. */
const NOT_TRAINED_YET: ReadonlySet<string> = new Set(['weights_missing', 'config_missing', 'missing_field']);

/**
 * Refuses an adapter vLLM would refuse or serve wrongly: trained on another base model (vLLM loads it and answers
 * with garbage; the router never picks it), DoRA, `modules_to_save`, a bias, weights that are not LoRA, ... A serve
 * config holding it fails when the server starts. A folder that is not trained yet (no weights) is only a warning: a
 * config is often written before training ends. Base-model warnings (the same model by another path) are printed.
 */
async function assertServable(vc: typeof VllmConfig, name: string, dir: string, settings: ServeConfigInput, ctx: CommandContext): Promise<void> {
  const report = await vc.checkAdapter(dir, settings);
  const refused: string[] = [];
  for (const p of report.problems) {
    if (p.severity === 'warning') {
      if (p.code === 'base_model_mismatch') ctx.out.warn(`adapter "${name}": ${p.message}`);
    } else if (NOT_TRAINED_YET.has(p.code)) {
      ctx.out.warn(`adapter "${name}" cannot be loaded yet: ${p.message}`);
    } else {
      refused.push(`${p.code}: ${p.message}`);
    }
  }
  if (refused.length === 0) return;
  const why = refused.length === 1 ? ` ${refused[0]}` : `\n  ${refused.join('\n  ')}`;
  throw new CliError('CLI_CONFIG_INVALID', `adapter "${name}" (${displayName(dir)}) cannot be served by vLLM:${why}`);
}

/** `lorakit vllm config`: the vLLM serve configuration for a base model and its adapters, in the chosen form. */
export async function vllmConfigCommand(_args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const { out } = ctx;
  const vc = await import('@lorakit/vllm-config');
  const format = opts['json'] === true ? 'json' : (opts['format'] as string);
  const input = await serveConfigInput(opts, ctx);
  const parsed = vc.safeParseServeConfig(input);
  if (!parsed.success) {
    const lines = parsed.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`);
    throw new CliError('CLI_CONFIG_INVALID', `invalid serve config:\n${lines.join('\n')}`);
  }
  for (const w of parsed.warnings) out.warn(w);
  // Validated just above, so the raw input is a ServeConfigInput; the to* functions re-parse it themselves.
  const config = input as ServeConfigInput;
  const text = render(vc, config, format, parsed.data);
  const target = (opts['output'] as string | undefined) ?? '-';
  await writeTextAtomic(ctx.io, target, text.endsWith('\n') ? text : `${text}\n`, { force: opts['force'] === true });
  if (target !== '-') out.info(`wrote ${target}`);
  return ExitCode.ok;
}

function render(vc: typeof VllmConfig, config: ServeConfigInput, format: string, parsed: unknown): string {
  switch (format) {
    case 'json':
      return JSON.stringify({ args: vc.toServeArgs(config), env: vc.toEnv(config), command: vc.toServeCommand(config), config: parsed }, null, 2);
    case 'args':
      return vc.toServeArgs(config).join('\n');
    case 'command':
      return vc.toServeCommand(config);
    case 'yaml':
      return vc.toServeYaml(config);
    case 'env':
      return Object.entries(vc.toEnv(config)).map(([key, value]) => `${key}=${value}`).join('\n');
    case 'compose':
      return vc.toComposeService(config);
    case 'k8s':
      try {
        return vc.toKubernetesManifest(config);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'VLLM_CONFIG_INVALID') throw error;
        throw new CliError('CLI_USAGE', `${(error as Error).message} (--adapter-volume-claim PVC, or adapterVolumeClaim: in --config)`, { cause: error });
      }
    default:
      throw new CliError('CLI_USAGE', `unknown --format ${format}`);
  }
}

/** `lorakit vllm plan`: the GPU memory vLLM reserves for LoRA slots with these settings. */
export async function vllmPlanCommand(_args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const vc = await import('@lorakit/vllm-config');
  const input = await serveConfigInput(opts, ctx);
  const parsed = vc.safeParseServeConfig(input);
  if (!parsed.success) {
    throw new CliError('CLI_CONFIG_INVALID', `invalid serve config:\n${parsed.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  }
  const plan = vc.planMemory(input as ServeConfigInput, (opts['shape'] as string | undefined) ?? (input['model'] as string));
  if (ctx.out.format === 'json') ctx.out.json(plan);
  else ctx.out.line(plan.summary);
  return ExitCode.ok;
}

function client(vc: typeof VllmConfig, opts: Opts, ctx: CommandContext) {
  const envName = (opts['apiKeyEnv'] as string | undefined) ?? 'VLLM_API_KEY';
  return vc.createVllmClient({ baseUrl: opts['url'] as string, apiKey: ctx.io.env[envName] });
}

/** `lorakit vllm models --url URL`: what a running vLLM serves (base model and adapters). */
export async function vllmModelsCommand(_args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const vc = await import('@lorakit/vllm-config');
  const models = await client(vc, opts, ctx).listModels();
  if (ctx.out.format === 'json') ctx.out.json(models);
  else for (const m of models) ctx.out.line(`${m.id}${m.parent ? `  (adapter of ${m.parent})` : ''}${m.root && !m.parent ? `  ${m.root}` : ''}`);
  return ExitCode.ok;
}

/** `lorakit vllm load NAME=DIR --url URL`: load an adapter into a running vLLM (runtime LoRA updating on). */
export async function vllmLoadCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const vc = await import('@lorakit/vllm-config');
  const adapter = parseAdapter(args[0] as string);
  await client(vc, opts, ctx).loadAdapter(adapter);
  ctx.out.info(`loaded ${adapter.name} from ${adapter.path}`);
  return ExitCode.ok;
}

/** `lorakit vllm unload NAME --url URL`. */
export async function vllmUnloadCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const vc = await import('@lorakit/vllm-config');
  await client(vc, opts, ctx).unloadAdapter(args[0] as string);
  ctx.out.info(`unloaded ${String(args[0])}`);
  return ExitCode.ok;
}

/** Every adapter_metadata.json below `dir`. */
async function findMetadata(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => e === 'adapter_metadata.json' || e.endsWith(`${sep}adapter_metadata.json`)).map((e) => join(dir, e)).sort();
}

/** `lorakit vllm route TEXT --adapters DIR`: which adapter would answer, and why. */
export async function vllmRouteCommand(args: unknown[], opts: Opts, ctx: CommandContext): Promise<number> {
  const text = args[0] as string;
  const dir = resolvePath(ctx.io, opts['adapters'] as string);
  const [vc, am] = await Promise.all([import('@lorakit/vllm-config'), import('@lorakit/adapter-metadata')]);
  let files: string[];
  try {
    files = await findMetadata(dir);
  } catch (error) {
    throw new CliError('CLI_FILE_NOT_FOUND', `${String(opts['adapters'])}: cannot list adapters (${(error as Error).message})`, { cause: error });
  }
  if (files.length === 0) throw new CliError('CLI_USAGE', `${String(opts['adapters'])}: no adapter_metadata.json found`);
  const adapters = await Promise.all(files.map(async (f) => (await am.readAdapterMetadata(f)).metadata));
  const baseModel = (opts['baseModel'] as string | undefined) ?? adapters[0]?.base_model.name ?? 'base';
  const threshold = opts['threshold'] as number | undefined;
  const router = vc.createAdapterRouter(adapters, { baseModel, threshold });
  const result = router.route(text);
  if (ctx.out.format === 'json') ctx.out.json(result);
  else {
    ctx.out.line(result.model);
    // The reason gives the confidence where there is one ("; confidence 0.5", "has confidence 0.25 < threshold").
    ctx.out.line(ctx.out.colors.dim(result.reason));
  }
  return ExitCode.ok;
}
