import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../../tools/test-env.mjs';
import { auth, startTestServer, TOKENS, type TestServer } from './helpers.js';
import { meta } from './metadata.js';

const executablePath = chromiumPath();

describe.skipIf(executablePath === undefined)('pages in headless Chromium', () => {
  let t: TestServer;
  let base: string;
  let browser: Browser;
  let dataDir: string;
  let jobId: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'lorakit-pages-'));
    mkdirSync(join(dataDir, 'sources'));
    const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ instruction: `Q ${i}?`, output: `Answer ${i} <b>bold</b>` }));
    writeFileSync(join(dataDir, 'sources', 'crm.jsonl'), `${lines.join('\n')}\n`);
    t = await startTestServer({ sources: { crm: { type: 'jsonl', path: 'sources/crm.jsonl' } } }, { dataDir });
    await t.app.inject({
      method: 'POST',
      url: '/v1/adapters',
      headers: auth('admin'),
      payload: meta('law-qa', '1.0.0', { domain: 'law <script>alert(1)</script>' }),
    });
    jobId = (await t.app.inject({ method: 'POST', url: '/v1/exports', headers: auth('export'), payload: { source: 'crm' } })).json().id;
    for (let i = 0; i < 100; i++) {
      const status = (await t.app.inject({ url: `/v1/exports/${jobId}`, headers: auth('read') })).json().status;
      if (status !== 'queued' && status !== 'running') break;
      await sleep(50);
    }
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: executablePath as string, args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('renders the dashboard, follows its links, and logs no console errors', async () => {
    const context = await browser.newContext({ extraHTTPHeaders: { authorization: `Bearer ${TOKENS.read}` } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });

    const home = await page.goto(`${base}/`);
    expect(home?.status()).toBe(200);
    expect(await page.title()).toBe('lorakit server');
    expect(await page.locator('#adapters tbody tr').count()).toBe(1);
    expect(await page.locator('#adapters').innerText()).toContain('law <script>alert(1)</script>');
    expect(await page.locator('#jobs').innerText()).toContain('succeeded');
    expect(await page.locator('#jobs').innerText()).toMatch(/30 exported, 0 rejected/);

    const [card] = await Promise.all([page.waitForNavigation(), page.click('text=model card')]);
    expect(card?.status()).toBe(200);
    expect(await page.content()).toContain('law-qa');
    await page.goBack();

    const [report] = await Promise.all([page.waitForNavigation(), page.click('text=quality report')]);
    expect(report?.status()).toBe(200);
    expect(page.url()).toBe(`${base}/exports/${jobId}/report`);
    await page.goBack();

    const [job] = await Promise.all([page.waitForNavigation(), page.click(`text=${jobId.slice(0, 8)}`)]);
    expect(job?.status()).toBe(200);
    expect(await page.content()).toContain('"status":"succeeded"');
    await page.goBack();

    const [docs] = await Promise.all([page.waitForNavigation(), page.click('text=API documentation')]);
    expect(docs?.status()).toBe(200);
    await page.waitForSelector('.swagger-ui .info', { timeout: 10_000 });
    expect(await page.locator('.swagger-ui .info').innerText()).toContain('lorakit server');

    expect(dialogs).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a 401 to a browser without a token', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${base}/`);
    expect(res?.status()).toBe(401);
    await page.close();
  });
});
