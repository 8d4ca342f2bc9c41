import { describe, expect, it } from '@jest/globals';
import sharp from 'sharp';
import exifr from 'exifr';
import JSZip from 'jszip';
import ExcelJS from 'exceljs';
import { PDFDict, PDFDocument, PDFHexString, PDFName, PDFStream, PDFString } from 'pdf-lib';
import { cleanCopyMime, makeCleanCopy } from './metadata-cleaner.js';
import { IDENTIFYING, compoundFile, docxWithCreator, heicHeader, jpegWithGps, pdfWithAuthor, pngWithMetadata, wavBytes, xlsxWithCreator } from '../../test/factories/evidence-samples.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe('makeCleanCopy', () => {
  it('JPEG: EXIF, GPS and XMP gone, orientation applied to the pixels', async () => {
    const original = await jpegWithGps();
    const before = await exifr.parse(original, { gps: true, xmp: true });
    expect(before.latitude).toBeCloseTo(28.175);
    expect(before.Artist).toBe(IDENTIFYING);
    const clean = await makeCleanCopy(original, 'image/jpeg');
    expect(clean?.mime).toBe('image/jpeg');
    const meta = await sharp(clean!.buffer).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([20, 40]);
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(meta.icc).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(await exifr.parse(clean!.buffer, { gps: true, xmp: true, iptc: true })).toBeUndefined();
    expect(await exifr.gps(clean!.buffer)).toBeUndefined();
    expect(clean!.buffer.includes(IDENTIFYING)).toBe(false);
  });

  it('PNG: EXIF and XMP gone', async () => {
    const clean = await makeCleanCopy(await pngWithMetadata(), 'image/png');
    const meta = await sharp(clean!.buffer).metadata();
    expect(meta.format).toBe('png');
    expect(meta.exif).toBeUndefined();
    expect(meta.xmp).toBeUndefined();
    expect(clean!.buffer.includes(IDENTIFYING)).toBe(false);
  });

  it('PDF: Info dictionary and XMP metadata removed, pages kept', async () => {
    const original = await pdfWithAuthor();
    expect((await PDFDocument.load(original)).getAuthor()).toBe(IDENTIFYING);
    const clean = await makeCleanCopy(original, 'application/pdf');
    const doc = await PDFDocument.load(clean!.buffer, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(1);
    // (checked before the getters, which create an empty Info dictionary when there is none)
    expect(doc.context.trailerInfo.Info).toBeUndefined();
    expect([doc.getTitle(), doc.getAuthor(), doc.getSubject(), doc.getKeywords(), doc.getCreator(), doc.getProducer()]).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(doc.catalog.get(PDFName.of('Metadata'))).toBeUndefined();
    for (const [, obj] of doc.context.enumerateIndirectObjects()) {
      const dict = obj instanceof PDFDict ? obj : obj instanceof PDFStream ? obj.dict : null;
      expect(dict?.get(PDFName.of('Type'))).not.toBe(PDFName.of('Metadata'));
      if (obj instanceof PDFString || obj instanceof PDFHexString) expect(obj.decodeText()).not.toContain(IDENTIFYING);
      if (dict) {
        for (const [, v] of dict.entries()) {
          if (v instanceof PDFString || v instanceof PDFHexString) expect(v.decodeText()).not.toContain(IDENTIFYING);
        }
      }
    }
    expect(clean!.buffer.includes(IDENTIFYING)).toBe(false);
  });

  it('DOCX: creator, lastModifiedBy, company, manager and comment/revision authors blanked; text kept', async () => {
    const clean = await makeCleanCopy(await docxWithCreator(), DOCX);
    expect(clean?.mime).toBe(DOCX);
    const zip = await JSZip.loadAsync(clean!.buffer);
    const core = await zip.file('docProps/core.xml')!.async('string');
    const app = await zip.file('docProps/app.xml')!.async('string');
    expect(core).toContain('<dc:creator></dc:creator>');
    expect(core).toContain('<cp:lastModifiedBy></cp:lastModifiedBy>');
    expect(core).toContain('2026-01-01T00:00:00Z');
    expect(app).toContain('<Company></Company>');
    expect(app).toContain('<Manager></Manager>');
    expect(app).toContain('<Application>Microsoft Office Word</Application>');
    const doc = await zip.file('word/document.xml')!.async('string');
    expect(doc).toContain('低保名单有问题');
    for (const p of Object.keys(zip.files).filter((n) => !zip.files[n].dir)) {
      expect(await zip.file(p)!.async('string')).not.toContain(IDENTIFYING);
    }
  });

  it('XLSX (written by exceljs): creator and company gone, still a readable workbook with its cells', async () => {
    const clean = await makeCleanCopy(await xlsxWithCreator(), XLSX);
    const zip = await JSZip.loadAsync(clean!.buffer);
    for (const p of Object.keys(zip.files).filter((n) => !zip.files[n].dir)) {
      expect(await zip.file(p)!.async('string')).not.toContain(IDENTIFYING);
    }
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(clean!.buffer as unknown as ArrayBuffer);
    expect(wb.creator || '').toBe('');
    expect(wb.getWorksheet('名单')!.getCell('A1').value).toBe('李家村低保名单');
    expect(wb.getWorksheet('名单')!.getCell('B1').value).toBe(1234);
  });

  it('no cleaned copy for audio, legacy Office, or an image this sharp cannot decode (HEIC)', async () => {
    expect(await makeCleanCopy(wavBytes(), 'audio/wav')).toBeNull();
    expect(await makeCleanCopy(compoundFile('WordDocument'), 'application/msword')).toBeNull();
    expect(await makeCleanCopy(heicHeader(), 'image/heic')).toBeNull();
    expect(await makeCleanCopy(Buffer.from('%PDF-1.4 broken'), 'application/pdf')).toBeNull();
  });

  it('cleanCopyMime', () => {
    expect(cleanCopyMime('image/heic')).toBe('image/jpeg');
    expect(cleanCopyMime('image/png')).toBe('image/png');
    expect(cleanCopyMime('audio/mpeg')).toBeNull();
    expect(cleanCopyMime('application/msword')).toBeNull();
  });
});
