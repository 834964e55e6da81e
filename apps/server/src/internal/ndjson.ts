import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServerError } from '../errors.js';

/** Bytes and records a streamed request may carry. */
export interface StreamLimits {
  bytes: number;
  records: number;
}

/**
 * The request body as an async iterable of chunks, counting bytes: over `maxBytes` it throws
 * `SERVER_PAYLOAD_TOO_LARGE`. A declared Content-Length over the limit is refused before anything is read.
 */
export function limitedBody(request: FastifyRequest, maxBytes: number): AsyncIterable<Uint8Array> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new ServerError('SERVER_PAYLOAD_TOO_LARGE', `request body of ${declared} bytes is over the limit of ${maxBytes}`);
  }
  const body = request.body as AsyncIterable<Uint8Array> | undefined;
  if (!body || typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function') {
    throw new ServerError('SERVER_BAD_REQUEST', 'expected an application/x-ndjson request body');
  }
  return (async function* () {
    let seen = 0;
    for await (const chunk of body) {
      seen += chunk.byteLength;
      if (seen > maxBytes) {
        throw new ServerError('SERVER_PAYLOAD_TOO_LARGE', `request body is over the limit of ${maxBytes} bytes`);
      }
      yield chunk;
    }
  })();
}

const BATCH_CHARS = 32 * 1024;

/**
 * Send NDJSON produced by an async generator of objects (JSON-encoded, one line each) or ready NDJSON text (strings
 * of whole `\n`-terminated lines, sent as they are: a producer may batch many lines into one string). The generator
 * is pulled only as fast as the client reads (Readable.from + pipe honour backpressure), and is returned (its
 * `finally` runs) when the client goes away.
 * An error thrown after the first line becomes a last `{"error":{code,message}}` line: the status is already sent.
 */
export function sendNdjson(
  request: FastifyRequest,
  reply: FastifyReply,
  lines: AsyncGenerator<string | object>,
): FastifyReply {
  // Stopping before the body ended (limit, error, disconnect) leaves unread bytes that would hold the keep-alive
  // connection forever: once the response is out, half-close the socket so the client sees the end.
  const socket = request.raw.socket as Socket | null;
  // light-my-request (inject) has no real socket.
  const realSocket = socket !== null && typeof socket.end === 'function' ? socket : undefined;
  reply.raw.once('finish', () => {
    if (request.raw.complete || !realSocket || realSocket.destroyed) return;
    realSocket.end();
    setTimeout(() => realSocket.destroy(), 1000).unref();
  });
  // A response cut short (client gone, stream error) leaves a half-open socket nobody will use again.
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished && realSocket && !realSocket.destroyed) realSocket.destroy();
  });
  async function* encode() {
    // Lines are batched into chunks of ~32 KiB: one write per line would cost a syscall and a chunk header each.
    let batch = '';
    try {
      for await (const line of lines) {
        batch += typeof line === 'string' ? line : `${JSON.stringify(line)}\n`;
        if (batch.length >= BATCH_CHARS) {
          yield batch;
          batch = '';
        }
      }
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      const coded = typeof e.code === 'string';
      // Uncoded errors are bugs: their text stays in the log, the client gets the code.
      if (!coded) request.log.error({ err: error }, 'stream failed');
      const body = coded ? { code: e.code, message: String(e.message) } : { code: 'SERVER_INTERNAL', message: 'internal error' };
      batch += `${JSON.stringify({ error: body })}\n`;
    }
    if (batch.length > 0) yield batch;
  }
  // At most 4 batches (~128 KiB) wait in the stream before the socket must drain: the generator is not pulled.
  const stream = Readable.from(encode(), { objectMode: true, highWaterMark: 4 });
  return reply.type('application/x-ndjson; charset=utf-8').send(stream);
}
