import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startFakeVllm } from '../test/fake-vllm.js';
import { main, resolveStartOptions } from './main.js';

describe('main: stopping', () => {
  it('stops within limits.shutdown_grace_ms while a proxied stream is stalled, closing it, and exits 0', { timeout: 10_000 }, async () => {
    const vllm = await startFakeVllm({ holdStream: true });
    const dataDir = mkdtempSync(join(tmpdir(), 'lorakit-main-'));
    const config = join(dataDir, 'server.yaml');
    // upstream.timeout_ms (10 minutes) would otherwise hold the stream, and the process, open.
    writeFileSync(config, 'limits: { shutdown_grace_ms: 100 }\n');
    let listening!: (info: { url: string; stop: () => Promise<void> }) => void;
    const ready = new Promise<{ url: string; stop: () => Promise<void> }>((resolve) => (listening = resolve));
    const exited = main(['--port', '0', '--data-dir', dataDir, '--config', config, '--upstream', vllm.url], {
      env: { LOG_LEVEL: 'silent' },
      print: () => undefined,
      signals: false,
      onListening: listening,
    });
    try {
      const { url, stop } = await ready;
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'Qwen/Qwen2.5-7B-Instruct', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      const reader = res.body!.getReader();
      await reader.read(); // the first event: the stream is open, and the upstream now stalls
      void stop();
      // Without the grace period this waits for the upstream's 10-minute timeout: the test times out.
      expect(await exited).toBe(0);
      // The client sees its stream end instead of hanging.
      await expect(reader.read().then(({ done }) => done, () => true)).resolves.toBe(true);
    } finally {
      vllm.release();
      await vllm.close();
    }
  });
});

describe('resolveStartOptions', () => {
  it('takes an empty PORT as unset and refuses a blank --port, never listening on a random port', async () => {
    const port = async (argv: string[], env: NodeJS.ProcessEnv) => {
      const options = await resolveStartOptions(argv, env);
      return options === 'help' ? 'help' : options.port;
    };
    // Before: Number('') is 0, so `PORT= lorakit-server` listened on a port the system picked.
    expect(await port([], { PORT: '' })).toBe(8080);
    expect(await port([], { PORT: ' ' })).toBe(8080);
    expect(await port([], { PORT: '9000' })).toBe(9000);
    expect(await port(['--port', '0'], {})).toBe(0);
    await expect(port(['--port', ' '], {})).rejects.toMatchObject({ code: 'SERVER_USAGE' });
    await expect(port(['--port', '0x50'], {})).rejects.toMatchObject({ code: 'SERVER_USAGE' });
  });
});
