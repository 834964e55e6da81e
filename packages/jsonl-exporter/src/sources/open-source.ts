import { Readable, Transform } from 'node:stream';
import { ExportError } from '../errors.js';
import { createSource } from './base-source.js';
import { csvItems } from './csv-source.js';
import { openInputFile, openStdin, resolveInputFile } from './file-input.js';
import { jsonItems } from './json-source.js';
import { jsonlItems } from './jsonl-source.js';
import { parquetItems } from './parquet-source.js';
import { openPostgresSource } from './postgres-source.js';
import { SourceConfigSchema, type SourceConfigInput } from './source-config.js';
import type { Source } from './source.js';
import { openSqliteSource } from './sqlite-source.js';

/** Options of {@link openSource}. */
export interface OpenSourceOptions {
  /**
   * Directory that relative paths in the config are resolved against.
   * @default process.cwd()
   */
  cwd?: string;
  /**
   * The stream a `stdin` source reads.
   * @default process.stdin
   */
  stdin?: NodeJS.ReadableStream;
  /**
   * Environment in which `url_env` is looked up.
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * Opens the source a config describes. The config is validated (defaults applied); files are checked and
 * databases connected now, so a wrong path, table or query fails here rather than mid-export.
 *
 * @throws ExportError `EXPORT_CONFIG_INVALID`, `EXPORT_SOURCE_NOT_FOUND`, `EXPORT_SOURCE_UNREADABLE`,
 * `EXPORT_SOURCE_QUERY_FAILED`, `EXPORT_DEPENDENCY_MISSING`.
 * @example
 * const source = await openSource({ type: 'jsonl', path: 'data.jsonl.gz' });
 * try {
 *   for await (const item of source.items()) console.log(item.ref, item.record ?? item.issue);
 * } finally {
 *   await source.close();
 * }
 */
export async function openSource(config: SourceConfigInput, options?: OpenSourceOptions): Promise<Source> {
  const parsed = SourceConfigSchema.safeParse(config);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${['source', ...issue.path].join('.')}: ${issue.message}`).join('; ');
    throw new ExportError('EXPORT_CONFIG_INVALID', `Invalid source config: ${details}`, { cause: parsed.error });
  }
  const source = parsed.data;
  const cwd = options?.cwd;
  switch (source.type) {
    case 'jsonl':
    case 'json':
    case 'csv': {
      const file = await resolveInputFile(source.path, cwd);
      return createSource({
        description: `${source.type} ${file.name}`,
        files: [file.absolute],
        async pass({ signal, stats }) {
          const { stream, raw } = await openInputFile(file, source.compression, signal);
          // Each reader destroys its stream when it ends (the file stream with it), however the pass ends.
          if (source.type === 'jsonl') {
            const opts = source.max_line_length === undefined ? {} : { maxLineLength: source.max_line_length };
            return jsonlItems(stream, file.name, opts, stats, raw);
          }
          if (source.type === 'csv') return csvItems(stream, file.name, source, stats, raw);
          return jsonItems(stream, file.name, file.absolute, stats, raw);
        },
      });
    }
    case 'parquet': {
      const file = await resolveInputFile(source.path, cwd);
      return createSource({
        description: `parquet ${file.name}`,
        files: [file.absolute],
        pass: ({ signal, stats }) => parquetItems(file.absolute, file.name, source.columns, stats, signal),
      });
    }
    case 'stdin': {
      const input = options?.stdin ?? process.stdin;
      return createSource({
        description: `stdin ${source.format}`,
        once: true,
        async *pass({ signal, stats }) {
          let bytes = 0;
          const counter = {
            get bytesRead() {
              return bytes;
            },
          };
          const readable = input instanceof Readable ? input : new Readable().wrap(input);
          // Counted as the bytes arrive, before decompression, like a file's size on disk.
          const counted = readable.pipe(
            new Transform({
              transform(chunk: Buffer, _encoding, callback) {
                bytes += chunk.length;
                callback(null, chunk);
              },
            }),
          );
          readable.on('error', (error) => counted.destroy(error));
          // A pass blocked waiting for input must end when the reader aborts or closes the source.
          let current: Readable = counted;
          const stop = () => current.destroy(new Error('reading stopped'));
          signal.addEventListener('abort', stop, { once: true });
          const stream = await openStdin(counted, source.compression);
          current = stream;
          if (signal.aborted) stop();
          try {
            if (source.format === 'jsonl') {
              const opts = source.max_line_length === undefined ? {} : { maxLineLength: source.max_line_length };
              yield* jsonlItems(stream, 'stdin', opts, stats, counter);
            } else if (source.format === 'csv') {
              yield* csvItems(stream, 'stdin', source, stats, counter);
            } else {
              yield* jsonItems(stream, 'stdin', 'stdin', stats, counter);
            }
          } finally {
            signal.removeEventListener('abort', stop);
            stream.destroy();
            counted.destroy();
          }
        },
      });
    }
    case 'sqlite':
      return openSqliteSource(source, cwd);
    case 'postgres':
      return openPostgresSource(source, options?.env ?? process.env);
  }
}
