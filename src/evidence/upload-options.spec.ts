import { describe, expect, it } from '@jest/globals';
import { normaliseUploadName } from './upload-options.js';

describe('normaliseUploadName', () => {
  it('repairs UTF-8 names that a parser read as latin1', () => {
    for (const name of ['低保名单-李家村.xlsx', '公示栏😀🏠.jpg', '𠮷野家.pdf', 'Zoë 的录音.m4a']) {
      expect(normaliseUploadName(Buffer.from(name, 'utf8').toString('latin1'))).toBe(name);
      expect(normaliseUploadName(name)).toBe(name);
    }
  });

  it('keeps a real latin1 name, drops paths and control characters, never returns empty', () => {
    expect(normaliseUploadName('café.jpg')).toBe('café.jpg');
    expect(normaliseUploadName('C:\\Users\\张三\\照片.jpg')).toBe('照片.jpg');
    expect(normaliseUploadName('../../etc/passwd')).toBe('passwd');
    expect(normaliseUploadName('a\u0000b\u001fc.png')).toBe('abc.png');
    // A right-to-left override would show 照片gpj.exe as 照片exe.jpg.
    expect(normaliseUploadName('照片\u202egpj.exe')).toBe('照片gpj.exe');
    expect(normaliseUploadName('\ufeff低保\u200b名单.xlsx')).toBe('低保名单.xlsx');
    expect(normaliseUploadName('')).toBe('未命名文件');
    expect(normaliseUploadName(undefined)).toBe('未命名文件');
  });

  it('cuts names longer than 255 characters (code points) and keeps the extension', () => {
    const long = '𠮷'.repeat(300) + '.xlsx';
    const out = normaliseUploadName(long);
    expect(Array.from(out)).toHaveLength(255);
    expect(out.endsWith('𠮷.xlsx')).toBe(true);
  });
});

describe('downloadName', () => {
  it('appends the detected type when the name says another type, and keeps names that agree', async () => {
    const { downloadName } = await import('./evidence-types.js');
    expect(downloadName('evil.html', 'image/jpeg')).toBe('evil.html.jpg');
    expect(downloadName('doc.svg', 'application/pdf')).toBe('doc.svg.pdf');
    expect(downloadName('公示栏照片.JPEG', 'image/jpeg')).toBe('公示栏照片.JPEG');
    expect(downloadName('低保名单-李家村.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).toBe('低保名单-李家村.xlsx');
    expect(downloadName('录音', 'audio/mpeg')).toBe('录音.mp3');
  });
});
