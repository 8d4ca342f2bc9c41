import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Module, Post, UploadedFiles, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FilesInterceptor, type NestExpressApplication } from '@nestjs/platform-express';
import { InjectDataSource } from '@nestjs/typeorm';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import exifr from 'exifr';
import JSZip from 'jszip';
import { AppModule } from '../../src/app.module.js';
import { DecryptionError } from '../../src/common/crypto.js';
import { AllExceptionsFilter } from '../../src/common/all-exceptions.filter.js';
import { JsonLogger } from '../../src/common/logger.js';
import { Public } from '../../src/common/public.decorator.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { EvidenceModule } from '../../src/evidence/evidence.module.js';
import { DRAFT_TTL_MS, EvidenceService, NO_CLEAN_COPY_NOTICE } from '../../src/evidence/evidence.service.js';
import type { UploadedFileLike } from '../../src/evidence/evidence-types.js';
import { Attachment } from '../../src/reports/entities/attachment.entity.js';
import { Report } from '../../src/reports/entities/report.entity.js';
import { Office } from '../../src/regions/entities/office.entity.js';
import { freshTestDatabase } from '../utils/test-database.js';
import { IDENTIFYING, exeBytes, jpegWithGps, pdfWithAuthor, pngWithMetadata, wavBytes, xlsxWithCreator } from '../factories/evidence-samples.js';

/**
 * A test-only endpoint shaped like the real forms: multer through the interceptor that EvidenceModule
 * configures, files written first, rows in a transaction, files discarded when it fails.
 */
@Controller('api/v1/test-evidence')
class EvidenceProbeController {
  constructor(
    private readonly evidence: EvidenceService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  @Public()
  @Post()
  @UseInterceptors(FilesInterceptor('files'))
  async upload(@UploadedFiles() files: UploadedFileLike[], @Body() body: Record<string, string>) {
    const { stored, errors, errorCodes } = await this.evidence.storeUploads(files, { addedBy: 'reporter' });
    const draft = this.evidence.newDraftToken();
    let saved: Attachment[];
    try {
      saved = await this.ds.transaction(async (m) => {
        const rows = await this.evidence.saveAttachments(m, stored, { draftHash: draft.hash });
        if (body.fail === '1') throw new Error('the database went away');
        return rows;
      });
    } catch (e) {
      await this.evidence.discard(stored);
      throw e;
    }
    return { note: body.note, draftToken: draft.token, errors, errorCodes, attachments: saved.map((a) => ({ id: a.id, originalName: a.originalName, mime: a.mime, size: a.size, hasCleanCopy: a.hasCleanCopy, storageKey: a.storageKey })) };
  }
}

@Module({ imports: [EvidenceModule], controllers: [EvidenceProbeController] })
class EvidenceProbeModule {}

interface Probe {
  app: NestExpressApplication;
  config: AppConfig;
  ds: DataSource;
  evidence: EvidenceService;
  server: ReturnType<NestExpressApplication['getHttpServer']>;
  close(): Promise<void>;
}

async function startProbe(): Promise<Probe> {
  const db = freshTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: db.dataDir, DIVISION_PROVINCES: '43', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent' }, { database: db.database });
  const logger = new JsonLogger(config.logLevel);
  @Module({ imports: [AppModule.forRoot(config), EvidenceProbeModule] })
  class Root {}
  const app = await NestFactory.create<NestExpressApplication>(Root, { logger, abortOnError: false });
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  await app.init();
  return {
    app,
    config,
    ds: app.get<DataSource>(await import('typeorm').then((m) => m.DataSource)),
    evidence: app.get(EvidenceService),
    server: app.getHttpServer(),
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

const XLSX_NAME = '低保名单-李家村.xlsx';
const JPEG_NAME = '公示栏照片😀🏠.jpg';
const PDF_NAME = '𠮷-情况说明.pdf';

describe('evidence files', () => {
  let p: Probe;
  let filesDir: string;
  const samples: Record<string, Buffer> = {};
  beforeAll(async () => {
    p = await startProbe();
    filesDir = join(p.config.dataDir, 'files');
    samples.xlsx = await xlsxWithCreator();
    samples.jpeg = await jpegWithGps();
    samples.pdf = await pdfWithAuthor();
  });
  afterAll(async () => p?.close());

  const listFiles = () => {
    try {
      return readdirSync(filesDir).sort();
    } catch {
      return [];
    }
  };

  it('keeps Chinese, emoji and rare-character names exactly through a real multipart upload', async () => {
    const res = await request(p.server)
      .post('/api/v1/test-evidence')
      .field('note', '李家村的情况 😀')
      .attach('files', samples.xlsx, XLSX_NAME)
      .attach('files', samples.jpeg, JPEG_NAME)
      .attach('files', samples.pdf, PDF_NAME)
      .expect(201);
    expect(res.body.errors).toEqual({});
    expect(res.body.note).toBe('李家村的情况 😀');
    expect(res.body.attachments.map((a: { originalName: string }) => a.originalName)).toEqual([XLSX_NAME, JPEG_NAME, PDF_NAME]);
    expect(res.body.attachments.map((a: { mime: string }) => a.mime)).toEqual(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'image/jpeg', 'application/pdf']);
    expect(res.body.attachments.every((a: { hasCleanCopy: boolean }) => a.hasCleanCopy)).toBe(true);
    const rows = await p.ds.getRepository(Attachment).find({ order: { id: 'ASC' } });
    expect(rows.map((r) => r.originalName)).toEqual([XLSX_NAME, JPEG_NAME, PDF_NAME]);
    expect(rows.map((r) => r.size)).toEqual([samples.xlsx.length, samples.jpeg.length, samples.pdf.length]);
    expect(rows.every((r) => r.addedBy === 'reporter' && r.reportId === null && /^[0-9a-f]{64}$/.test(r.draftHash!))).toBe(true);
  });

  it('stores originals and cleaned copies encrypted, 0600 in a 0700 directory, under random names', async () => {
    const rows = await p.ds.getRepository(Attachment).find({ order: { id: 'ASC' } });
    expect(statSync(filesDir).mode & 0o777).toBe(0o700);
    const names = listFiles();
    for (const r of rows) {
      expect(r.storageKey).toMatch(/^[0-9a-f]{48}$/);
      expect(names).toContain(r.storageKey);
      expect(names).toContain(`${r.storageKey}.clean`);
      for (const f of [r.storageKey, `${r.storageKey}.clean`]) expect(statSync(join(filesDir, f)).mode & 0o777).toBe(0o600);
    }
    expect(names.join('\n')).not.toMatch(/低保|公示|xlsx|jpg|pdf/);
    const jpegRow = rows[1];
    const onDisk = readFileSync(join(filesDir, jpegRow.storageKey));
    expect(samples.jpeg.includes(IDENTIFYING)).toBe(true);
    expect(onDisk.includes(IDENTIFYING)).toBe(false);
    expect(onDisk.includes(samples.jpeg.subarray(0, 64))).toBe(false);
    expect(onDisk.length).toBe(samples.jpeg.length + 29);
    // The original comes back byte for byte; a ciphertext moved to another key does not open.
    expect((await p.evidence.readOriginal(jpegRow)).equals(samples.jpeg)).toBe(true);
    const xlsxPath = join(filesDir, rows[0].storageKey);
    const xlsxCipher = readFileSync(xlsxPath);
    writeFileSync(xlsxPath, onDisk);
    await expect(p.evidence.readOriginal(rows[0])).rejects.toThrow(DecryptionError);
    writeFileSync(xlsxPath, xlsxCipher);
    expect((await p.evidence.readOriginal(rows[0])).equals(samples.xlsx)).toBe(true);
  });

  it('gives staff cleaned copies: no EXIF/GPS in the photo, no author in the PDF or the spreadsheet', async () => {
    const [xlsxRow, jpegRow, pdfRow] = await p.ds.getRepository(Attachment).find({ order: { id: 'ASC' } });
    const jpeg = (await p.evidence.readClean(jpegRow))!;
    expect(await exifr.parse(samples.jpeg, { gps: true })).toMatchObject({ latitude: expect.any(Number) });
    expect(await exifr.parse(jpeg, { gps: true, xmp: true })).toBeUndefined();
    expect(jpeg.includes(IDENTIFYING)).toBe(false);
    expect(p.evidence.cleanMime(jpegRow)).toBe('image/jpeg');
    const { PDFDocument } = await import('pdf-lib');
    const pdf = await PDFDocument.load((await p.evidence.readClean(pdfRow))!, { updateMetadata: false });
    expect(pdf.context.trailerInfo.Info).toBeUndefined();
    expect(pdf.getAuthor()).toBeUndefined();
    const zip = await JSZip.loadAsync((await p.evidence.readClean(xlsxRow))!);
    expect(await zip.file('docProps/core.xml')!.async('string')).not.toContain(IDENTIFYING);
    expect(await zip.file('docProps/app.xml')!.async('string')).not.toContain(IDENTIFYING);
  });

  it('refuses an 11 MB file with a Chinese field error naming it, keeps the other file and the typed fields', async () => {
    const big = Buffer.concat([samples.jpeg, randomBytes(11 * 1024 * 1024)]);
    const before = listFiles().length;
    const res = await request(p.server).post('/api/v1/test-evidence').field('note', '保留我').attach('files', big, '大照片.jpg').attach('files', samples.pdf, PDF_NAME).expect(201);
    expect(res.body.errorCodes).toEqual({ 'files.0': 'file_too_large' });
    expect(res.body.errors['files.0']).toBe('文件“大照片.jpg”超过 10 MB，未能上传。请压缩或分成几个文件后再上传。');
    expect(res.body.note).toBe('保留我');
    expect(res.body.attachments.map((a: { originalName: string }) => a.originalName)).toEqual([PDF_NAME]);
    expect(listFiles().length).toBe(before + 2);
  });

  it('refuses an .exe renamed .jpg and a text file, storing nothing', async () => {
    const before = listFiles();
    const rowsBefore = await p.ds.getRepository(Attachment).count();
    const res = await request(p.server)
      .post('/api/v1/test-evidence')
      .attach('files', exeBytes(), '公示栏.jpg')
      .attach('files', Buffer.from('只是文字\n'.repeat(100)), '名单.xlsx')
      .expect(201);
    expect(res.body.errorCodes).toEqual({ 'files.0': 'file_type_not_allowed', 'files.1': 'file_type_not_allowed' });
    expect(res.body.errors['files.0']).toContain('文件“公示栏.jpg”的类型不能上传');
    expect(res.body.errors['files.1']).toContain('“名单.xlsx”');
    expect(res.body.attachments).toEqual([]);
    expect(listFiles()).toEqual(before);
    expect(await p.ds.getRepository(Attachment).count()).toBe(rowsBefore);
  });

  it('takes at most 5 files; the sixth gets a message', async () => {
    const png = await pngWithMetadata();
    let req = request(p.server).post('/api/v1/test-evidence');
    for (let i = 1; i <= 6; i++) req = req.attach('files', png, `照片${i}.png`);
    const res = await req.expect(201);
    expect(res.body.attachments).toHaveLength(5);
    expect(res.body.errorCodes).toEqual({ 'files.5': 'too_many_files' });
    expect(res.body.errors['files.5']).toBe('最多可以上传 5 个文件，“照片6.png”没有上传。');
  });

  it('answers a request past the hard cap (4 × the limit) with 413 and a stable code, no stack', async () => {
    const huge = Buffer.alloc(41 * 1024 * 1024 + 1, 1);
    const res = await request(p.server).post('/api/v1/test-evidence').attach('files', huge, 'huge.jpg');
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|node_modules/);
  });

  it('leaves nothing behind when the transaction fails: discard removes the written files', async () => {
    const before = listFiles();
    const rowsBefore = await p.ds.getRepository(Attachment).count();
    const res = await request(p.server).post('/api/v1/test-evidence').field('fail', '1').attach('files', samples.jpeg, JPEG_NAME).attach('files', wavBytes(), '录音.wav').expect(500);
    expect(res.body.error.code).toBe('internal_error');
    expect(listFiles()).toEqual(before);
    expect(await p.ds.getRepository(Attachment).count()).toBe(rowsBefore);
  });

  it('audio has no cleaned copy: staff see the notice instead', async () => {
    const res = await request(p.server).post('/api/v1/test-evidence').attach('files', wavBytes(), '村口录音.wav').expect(201);
    const a = res.body.attachments[0];
    expect(a).toMatchObject({ originalName: '村口录音.wav', mime: 'audio/wav', hasCleanCopy: false });
    const row = await p.ds.getRepository(Attachment).findOneByOrFail({ id: a.id });
    expect(await p.evidence.readClean(row)).toBeNull();
    expect(p.evidence.cleanMime(row)).toBeNull();
    expect(NO_CLEAN_COPY_NOTICE).toBe('原件需经审批查看');
    expect(listFiles()).not.toContain(`${row.storageKey}.clean`);
    expect((await p.evidence.readOriginal(row)).equals(wavBytes())).toBe(true);
  });

  describe('drafts', () => {
    async function upload(name: string): Promise<{ token: string; id: number; storageKey: string }> {
      const res = await request(p.server).post('/api/v1/test-evidence').attach('files', samples.pdf, name).expect(201);
      return { token: res.body.draftToken, id: res.body.attachments[0].id, storageKey: res.body.attachments[0].storageKey };
    }

    async function makeReport(): Promise<number> {
      const office = await p.ds.getRepository(Office).findOneOrFail({ where: {}, order: { id: 'ASC' } });
      const r = await p.ds.getRepository(Report).save(
        p.ds.getRepository(Report).create({
          receiptHmac: randomBytes(32).toString('hex'),
          kind: 'denunciation',
          category: 'favouritism_kin',
          channel: 'web',
          regionCode: office.regionCode,
          regionLevel: office.regionLevel,
          officeId: office.id,
          status: 'received',
          anonymous: true,
          description: '测试用的举报内容，至少二十个字符，用于附件转移。',
          receivedAt: new Date(),
          forwardDue: '2026-12-31',
          createdAt: new Date(),
          updatedAt: new Date(),
        } as Partial<Report>),
      );
      return r.id;
    }

    it('tokens: only the HMAC is stored; a malformed token has no hash', () => {
      const { token, hash } = p.evidence.newDraftToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(p.evidence.draftHashOf(token)).toBe(hash);
      expect(p.evidence.draftHashOf('short')).toBeNull();
      expect(p.evidence.draftHashOf(undefined)).toBeNull();
    });

    it('lists, removes from, and moves a draft to a report', async () => {
      const a = await upload('第一份.pdf');
      const hash = p.evidence.draftHashOf(a.token)!;
      expect((await p.evidence.listDraft(hash)).map((x) => x.originalName)).toEqual(['第一份.pdf']);
      // Someone else's draft hash cannot remove it.
      expect(await p.evidence.removeFromDraft(p.evidence.newDraftToken().hash, a.id)).toBe(false);
      const reportId = await makeReport();
      const moved = await p.ds.transaction((m) => p.evidence.moveDraftToReport(m, hash, reportId));
      expect(moved).toBe(1);
      expect(await p.evidence.listDraft(hash)).toEqual([]);
      expect(await p.ds.getRepository(Attachment).findOneByOrFail({ id: a.id })).toMatchObject({ reportId, draftHash: null });
      // Attached to a report, it is no longer removable as a draft file.
      expect(await p.evidence.removeFromDraft(hash, a.id)).toBe(false);

      const b = await upload('第二份.pdf');
      const hashB = p.evidence.draftHashOf(b.token)!;
      expect(await p.evidence.removeFromDraft(hashB, b.id)).toBe(true);
      expect(await p.ds.getRepository(Attachment).countBy({ id: b.id })).toBe(0);
      expect(listFiles()).not.toContain(b.storageKey);
      expect(listFiles()).not.toContain(`${b.storageKey}.clean`);
    });

    it('expire after 2 hours: not listed, not movable, and swept with their files; report files stay', async () => {
      const old = await upload('过期的.pdf');
      const fresh = await upload('新的.pdf');
      const kept = await upload('已提交的.pdf');
      const reportId = await makeReport();
      await p.ds.transaction((m) => p.evidence.moveDraftToReport(m, p.evidence.draftHashOf(kept.token)!, reportId));
      const longAgo = new Date(Date.now() - DRAFT_TTL_MS - 60_000);
      await p.ds.getRepository(Attachment).update({ id: old.id }, { createdAt: longAgo });
      await p.ds.getRepository(Attachment).update({ id: kept.id }, { createdAt: longAgo });
      const oldHash = p.evidence.draftHashOf(old.token)!;
      expect(await p.evidence.listDraft(oldHash)).toEqual([]);
      expect(await p.ds.transaction((m) => p.evidence.moveDraftToReport(m, oldHash, reportId))).toBe(0);

      const swept = await p.evidence.sweep();
      expect(swept.drafts).toBe(1);
      expect(await p.ds.getRepository(Attachment).countBy({ id: old.id })).toBe(0);
      expect(listFiles()).not.toContain(old.storageKey);
      expect(listFiles()).not.toContain(`${old.storageKey}.clean`);
      expect(await p.ds.getRepository(Attachment).countBy({ id: fresh.id })).toBe(1);
      expect(listFiles()).toContain(fresh.storageKey);
      expect(await p.ds.getRepository(Attachment).countBy({ id: kept.id })).toBe(1);
      expect(listFiles()).toContain(kept.storageKey);
    });

    it('the sweep also removes old files that no row names (a crash between write and commit)', async () => {
      const png = await pngWithMetadata();
      const { stored } = await p.evidence.storeUploads([{ originalname: 'a.png', buffer: png, size: png.length }, { originalname: 'b.png', buffer: png, size: png.length }], { addedBy: 'staff' });
      const [stale, recent] = stored;
      const past = new Date(Date.now() - DRAFT_TTL_MS - 60_000);
      for (const f of [stale.storageKey, `${stale.storageKey}.clean`]) utimesSync(join(filesDir, f), past, past);
      const swept = await p.evidence.sweep();
      expect(swept.orphans).toBe(1);
      expect(listFiles()).not.toContain(stale.storageKey);
      expect(listFiles()).not.toContain(`${stale.storageKey}.clean`);
      expect(listFiles()).toContain(recent.storageKey);
      await p.evidence.discard([recent]);
      expect(listFiles()).not.toContain(recent.storageKey);
    });
  });
});
