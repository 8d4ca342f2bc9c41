import { describe, expect, it } from '@jest/globals';
import { inspectEvidence, legacyOfficeKind } from './evidence-types.js';
import { compoundFile, docxWithCreator, exeBytes, heicHeader, jpegWithGps, pdfWithAuthor, pngWithMetadata, wavBytes, xlsxWithCreator } from '../../test/factories/evidence-samples.js';

const MB10 = 10 * 1024 * 1024;
const file = (originalname: string, buffer: Buffer) => ({ originalname, buffer, size: buffer.length });

describe('inspectEvidence (type from the content, never the name)', () => {
  it.each([
    ['photo.jpg', jpegWithGps, 'image/jpeg', 'jpg'],
    ['图.png', pngWithMetadata, 'image/png', 'png'],
    ['材料.pdf', pdfWithAuthor, 'application/pdf', 'pdf'],
    ['说明.docx', docxWithCreator, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx'],
    ['低保名单-李家村.xlsx', xlsxWithCreator, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx'],
    ['录音.wav', async () => wavBytes(), 'audio/wav', 'wav'],
    ['IMG_0001.HEIC', async () => heicHeader(), 'image/heic', 'heic'],
    ['旧文档.doc', async () => compoundFile('WordDocument'), 'application/msword', 'doc'],
    ['旧表格.xls', async () => compoundFile('Workbook'), 'application/vnd.ms-excel', 'xls'],
  ])('accepts %s', async (name, make, mime, ext) => {
    expect(await inspectEvidence(file(name, await make()), MB10)).toEqual({ ok: true, mime, ext });
  });

  it('decides by content whatever the name says: a PDF named .jpg is a PDF', async () => {
    expect(await inspectEvidence(file('photo.jpg', await pdfWithAuthor()), MB10)).toMatchObject({ ok: true, mime: 'application/pdf' });
  });

  it('refuses an .exe renamed .jpg, naming the file', async () => {
    const r = await inspectEvidence(file('公示栏.jpg', exeBytes()), MB10);
    expect(r).toEqual({ ok: false, code: 'file_type_not_allowed', message: expect.stringContaining('“公示栏.jpg”') });
  });

  it('refuses a text file, an HTML file, a zip, and a compound file that is no Word/Excel (e.g. an MSI)', async () => {
    for (const [name, buf] of [
      ['notes.txt', Buffer.from('这是一段文字 plain text\n'.repeat(20))],
      ['page.jpg', Buffer.from('<html><script>alert(1)</script></html>')],
      ['setup.doc', compoundFile('\u0005SummaryInformation')],
    ] as const) {
      expect(await inspectEvidence(file(name, buf), MB10)).toMatchObject({ ok: false, code: 'file_type_not_allowed' });
    }
  });

  it('refuses an empty file and a file over the limit with Chinese messages naming them', async () => {
    expect(await inspectEvidence(file('空.pdf', Buffer.alloc(0)), MB10)).toEqual({ ok: false, code: 'file_empty', message: expect.stringContaining('“空.pdf”是空文件') });
    const big = { originalname: '大照片.jpg', buffer: Buffer.alloc(0), size: 11 * 1024 * 1024, tooLarge: true };
    const r = await inspectEvidence(big, MB10);
    expect(r).toEqual({ ok: false, code: 'file_too_large', message: expect.stringContaining('“大照片.jpg”超过 10 MB') });
    const jpeg = await jpegWithGps();
    expect(await inspectEvidence(file('x.jpg', jpeg), jpeg.length - 1)).toMatchObject({ ok: false, code: 'file_too_large' });
  });

  it('legacyOfficeKind reads the stream names of the compound file directory', () => {
    expect(legacyOfficeKind(compoundFile('WordDocument'))).toBe('word');
    expect(legacyOfficeKind(compoundFile('Book'))).toBe('excel');
    expect(legacyOfficeKind(compoundFile('Workbook'))).toBe('excel');
    expect(legacyOfficeKind(compoundFile('MsiDigitalSignatureEx'))).toBeNull();
  });
});
