import { dirname } from 'node:path';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';
import { resolvePath } from './context.js';
import { readText } from './files.js';

/** A YAML config file, parsed, with a way back from a key path to the line it is on. */
export interface YamlConfig {
  /** The file as the user named it (for messages). */
  file: string;
  /** Folder relative paths inside the config are resolved against. */
  dir: string;
  value: Record<string, unknown>;
  /** 1-based line of the key at `path` (or of its nearest parent present in the file). */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Reads and parses a YAML config; syntax errors name the file and line. */
export async function readYamlConfig(io: CliIo, file: string): Promise<YamlConfig> {
  const text = await readText(io, file);
  const YAML = await import('yaml');
  const lineCounter = new YAML.LineCounter();
  // Merge keys (`<<: *defaults`) as YAML 1.1 had them and most YAML tools still read them.
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new CliError('CLI_CONFIG_INVALID', `${file}:${line}: invalid YAML: ${first.message.split('\n')[0]}`, { cause: first });
  }
  // A tag yaml does not know (`!env HOME`, `!include x.yaml`) leaves the text after it as the value: a setting that
  // silently is not what it says.
  const unknownTag = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (unknownTag !== undefined) {
    const line = lineCounter.linePos(unknownTag.pos[0]).line;
    const tag = /tag: (\S+)/.exec(unknownTag.message)?.[1] ?? 'tag';
    throw new CliError(
      'CLI_CONFIG_INVALID',
      `${file}:${line}: unknown YAML tag ${tag}: lorakit expands no tags (no environment variables, no includes); write the value itself`,
      { cause: unknownTag },
    );
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError('CLI_CONFIG_INVALID', `${file}: expected a mapping of settings at the top level`);
  }
  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    for (let n = path.length; n > 0; n--) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      if (YAML.isMap(parent)) {
        const key = path[n - 1];
        const pair = parent.items.find((p) => YAML.isScalar(p.key) && p.key.value === key);
        const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lineCounter.linePos(range[0]).line;
      } else if (YAML.isSeq(parent)) {
        const item = parent.items[Number(path[n - 1])] as { range?: [number, number, number] } | undefined;
        if (item?.range !== undefined) return lineCounter.linePos(item.range[0]).line;
      }
    }
    return undefined;
  };
  const absolute = resolvePath(io, file);
  return { file, dir: file === '-' ? io.cwd : dirname(absolute), value: value as Record<string, unknown>, lineOf };
}
