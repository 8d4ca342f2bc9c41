import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { createTestApp, type TestApp } from '../utils/create-test-app.js';
import { createFixtureOffices, openForm, postForm, SAMPLE_FILES } from '../factories/reports.js';

/**
 * The no-JS form keeps uploaded files in a draft for hours without a CAPTCHA: the number of requests
 * carrying files is limited per client, so one client cannot fill the disk with drafts.
 */
describe('evidence uploads are limited per client', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { UPLOADS_PER_WINDOW: '2', TRUST_PROXY: '1' } });
    await createFixtureOffices(t);
  });
  afterAll(async () => t?.close());

  it('keeps the first files, refuses further files from the same client with a Chinese message, and lets another client upload', async () => {
    const agent = request.agent(t.server);
    const page = await openForm(agent);
    const step = (n: number, ip: string) =>
      postForm(agent, page, { action: 'refresh', description: `第${n}步` }, [{ name: `照片${n}.png`, content: SAMPLE_FILES.png(), contentType: 'image/png' }]).set('X-Forwarded-For', ip);
    await step(1, '198.51.100.1').expect(200);
    await step(2, '198.51.100.1').expect(200);
    const third = await step(3, '198.51.100.1');
    expect(third.text).toContain('上传文件过于频繁');
    expect(third.text).toContain('第3步'); // what was typed is kept
    const names = (await t.ds.getRepository(Attachment).find()).map((a) => a.originalName).sort();
    expect(names).toEqual(['照片1.png', '照片2.png']);

    const other = request.agent(t.server);
    const otherPage = await openForm(other);
    await postForm(other, otherPage, { action: 'refresh' }, [{ name: '别人的照片.png', content: SAMPLE_FILES.png(), contentType: 'image/png' }]).set('X-Forwarded-For', '198.51.100.2').expect(200);
    expect(await t.ds.getRepository(Attachment).count()).toBe(3);
  });
});
