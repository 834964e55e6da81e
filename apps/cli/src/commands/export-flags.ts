import type { Command } from 'commander';
import { deriveConfigFlags, toOption, type ConfigFlag, type FlagOptOut } from '../internal/config-flags.js';

/** Config keys with no flag of their own, and why. The drift test fails on any other key without a flag. */
export const EXPORT_FLAG_OPT_OUTS: readonly FlagOptOut[] = [
  { path: 'partition', reason: 'given as one flag, --partition i/N' },
];

/** Adds one option per ExportConfigSchema key to the export command; returns the flags for reading them back. */
export async function addExportFlags(cmd: Command): Promise<ConfigFlag[]> {
  const { ExportConfigSchema } = await import('@lorakit/jsonl-exporter');
  const { flags } = deriveConfigFlags(ExportConfigSchema, EXPORT_FLAG_OPT_OUTS);
  for (const flag of flags) cmd.addOption(toOption(flag).helpGroup('Config keys (override lorakit.yaml):'));
  return flags;
}
