import type { AdapterMetadata } from './adapter-metadata-schema.js';
import { AdapterMetadataError } from './errors.js';

/**
 * Finds an adapter's metadata by id (and version, when known). Return `undefined` when there is none. A folder of
 * metadata files ({@link createDirectoryLookup}) is one implementation; a registry is another.
 */
export type AdapterLookup = (
  adapterId: string,
  version?: string,
) => AdapterMetadata | undefined | Promise<AdapterMetadata | undefined>;

/** Options of {@link resolveLineage}. */
export interface ResolveLineageOptions {
  /** Version of the starting adapter; the lookup's choice (usually the latest) when absent. */
  version?: string;
  /**
   * Longest chain walked before giving up.
   * @default 1000
   */
  maxDepth?: number;
}

function label(meta: AdapterMetadata): string {
  return `${meta.adapter_id}@${meta.adapter_version}`;
}

/**
 * Walks `provenance.parent_adapter_id` from an adapter up to its root and returns the chain, the adapter itself
 * first. Throws `METADATA_ADAPTER_NOT_FOUND` when the adapter is unknown, `METADATA_PARENT_NOT_FOUND` when a parent
 * is missing, `METADATA_LINEAGE_CYCLE` when the chain loops.
 *
 * @example
 * ```ts
 * const chain = await resolveLineage('support-bot-v2', createDirectoryLookup('registry/'));
 * console.log(chain.map((m) => m.adapter_id).join(' <- '));
 * ```
 */
export async function resolveLineage(
  adapterId: string,
  lookup: AdapterLookup,
  options: ResolveLineageOptions = {},
): Promise<AdapterMetadata[]> {
  const maxDepth = options.maxDepth ?? 1000;
  const first = await lookup(adapterId, options.version);
  if (first === undefined) {
    throw new AdapterMetadataError('METADATA_ADAPTER_NOT_FOUND',
      `adapter ${adapterId}${options.version === undefined ? '' : `@${options.version}`} not found`);
  }
  const chain = [first];
  const seen = new Set([label(first)]);
  let current = first;
  while (current.provenance.parent_adapter_id !== undefined) {
    const parentId = current.provenance.parent_adapter_id;
    const parentVersion = current.provenance.parent_adapter_version;
    const parent = await lookup(parentId, parentVersion);
    if (parent === undefined) {
      throw new AdapterMetadataError('METADATA_PARENT_NOT_FOUND',
        `${label(current)} names parent ${parentId}${parentVersion === undefined ? '' : `@${parentVersion}`}, which was not found (chain: ${chain.map(label).join(' <- ')})`);
    }
    // An id seen twice is a loop even when versions differ: lineage goes from one adapter to another.
    if (seen.has(label(parent)) || chain.some((m) => m.adapter_id === parent.adapter_id)) {
      throw new AdapterMetadataError('METADATA_LINEAGE_CYCLE',
        `lineage cycle: ${[...chain, parent].map(label).join(' <- ')}`);
    }
    if (chain.length >= maxDepth) {
      throw new AdapterMetadataError('METADATA_LINEAGE_CYCLE', `lineage of ${adapterId} is longer than ${maxDepth}; a loop through the lookup?`);
    }
    seen.add(label(parent));
    chain.push(parent);
    current = parent;
  }
  return chain;
}
