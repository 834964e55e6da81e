// Worker thread decoding a Parquet file's row groups for the Parquet source (see decoderThread there): the main
// thread stays free to stop it.
import { parentPort, workerData } from 'node:worker_threads';
import { decodeRows, openParquetFile, type DecodedRows, type ParquetFile } from '../sources/parquet-source.js';

/** What the Parquet source starts its decoder with. */
export interface ParquetWorkerData {
  path: string;
  columns: string[] | undefined;
}

/** The decoded rows of one request, or why they could not be. */
export type ParquetWorkerReply = DecodedRows | { error: string };

const port = parentPort;
if (port) {
  const data = workerData as ParquetWorkerData;
  let opened: Promise<ParquetFile> | undefined;
  port.on('message', ({ rowStart, rowEnd }: { rowStart: number; rowEnd: number }) => {
    opened ??= openParquetFile(data.path);
    opened
      .then((pq) => decodeRows(pq, rowStart, rowEnd, data.columns))
      .then(
        (decoded) => port.postMessage(decoded satisfies ParquetWorkerReply),
        (error: unknown) => port.postMessage({ error: (error as Error).message } satisfies ParquetWorkerReply),
      );
  });
}
