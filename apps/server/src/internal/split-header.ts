import { Readable } from 'node:stream';
import { ServerError } from '../errors.js';

/**
 * Split a streamed body into its first line (parsed as JSON) and a stream of the remaining bytes, reading no more
 * than the first line needs. The header may not exceed `maxHeaderBytes`, so finding it buffers a bounded amount.
 *
 * @throws ServerError `SERVER_PAYLOAD_TOO_LARGE` when the first line is over `maxHeaderBytes` (newline excluded),
 * `SERVER_BAD_REQUEST` when it is missing or not JSON.
 */
export async function splitHeaderLine(
  body: AsyncIterable<Uint8Array>,
  maxHeaderBytes: number,
): Promise<{ header: unknown; rest: Readable }> {
  const iterator = body[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let size = 0;
  const tooLarge = () =>
    new ServerError('SERVER_PAYLOAD_TOO_LARGE', `line 1: header line is over ${maxHeaderBytes} bytes (limits.body_bytes)`);
  for (;;) {
    const next = await iterator.next();
    if (next.done) throw new ServerError('SERVER_BAD_REQUEST', 'line 1: expected a JSON header line ending in a newline');
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    const nl = chunk.indexOf(0x0a);
    if (nl === -1) {
      size += chunk.length;
      if (size > maxHeaderBytes) throw tooLarge();
      parts.push(chunk);
      continue;
    }
    if (size + nl > maxHeaderBytes) throw tooLarge();
    parts.push(chunk.subarray(0, nl));
    const text = Buffer.concat(parts).toString('utf8');
    let header: unknown;
    try {
      header = JSON.parse(text);
    } catch (cause) {
      throw new ServerError('SERVER_BAD_REQUEST', `line 1: header is not JSON: ${(cause as Error).message}`, { cause });
    }
    const tail = chunk.subarray(nl + 1);
    const rest = Readable.from(
      (async function* () {
        try {
          if (tail.length > 0) yield tail;
          for (let n = await iterator.next(); !n.done; n = await iterator.next()) yield n.value;
        } finally {
          await iterator.return?.();
        }
      })(),
      { objectMode: false },
    );
    return { header, rest };
  }
}
