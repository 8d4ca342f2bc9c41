/**
 * Small real evidence files made on the fly (no binary fixtures): photos with EXIF/GPS/XMP, a PDF with
 * an author and an XMP stream, DOCX/XLSX with creator and company, a legacy Word compound file, a WAV,
 * an HEIC header, an .exe. Each identifying value is ASCII `Reporter Zhang` / Chinese `举报人张三` so
 * tests can look for it.
 */
import sharp from 'sharp';
import JSZip from 'jszip';
import ExcelJS from 'exceljs';
import { PDFDocument, PDFName, StandardFonts } from 'pdf-lib';

export const IDENTIFYING = 'Reporter Zhang';
const XMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>${IDENTIFYING}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`;

/** A 40×20 JPEG with EXIF (artist, camera), GPS (28.175 N, 112.5 E), XMP and orientation 6 (rotate 90°). */
export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .withExif({
      IFD0: { Artist: IDENTIFYING, Model: 'Redmi 9', Copyright: IDENTIFYING },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '28/1 10/1 30/1', GPSLongitudeRef: 'E', GPSLongitude: '112/1 30/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .withXmp(XMP)
    .jpeg()
    .toBuffer();
}

/** A PNG with EXIF and XMP. */
export async function pngWithMetadata(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 120, b: 0, alpha: 1 } } })
    .withExif({ IFD0: { Artist: IDENTIFYING } })
    .withXmp(XMP)
    .png()
    .toBuffer();
}

/** A one-page PDF with title, author, subject, keywords, creator, producer and an XMP metadata stream. */
export async function pdfWithAuthor(text = 'hello'): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([200, 100]);
  page.drawText(text, { x: 10, y: 50, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  doc.setTitle(`${IDENTIFYING} title`);
  doc.setAuthor(IDENTIFYING);
  doc.setSubject(`${IDENTIFYING} subject`);
  doc.setKeywords([IDENTIFYING]);
  doc.setCreator(`${IDENTIFYING} creator`);
  doc.setProducer(`${IDENTIFYING} producer`);
  const xmp = doc.context.stream(XMP, { Type: 'Metadata', Subtype: 'XML' });
  doc.catalog.set(PDFName.of('Metadata'), doc.context.register(xmp));
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** A minimal DOCX with creator, lastModifiedBy, company, manager, a comment author and tracked-change author. */
export async function docxWithCreator(): Promise<Buffer> {
  const z = new JSZip();
  z.file(
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
  );
  z.file(
    '_rels/.rels',
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>',
  );
  z.file(
    'word/document.xml',
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>低保名单有问题</w:t></w:r><w:ins w:id="1" w:author="${IDENTIFYING}" w:date="2026-01-01T00:00:00Z"><w:r><w:t>补充</w:t></w:r></w:ins></w:p></w:body></w:document>`,
  );
  z.file('word/comments.xml', `<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:comment w:id="0" w:author="${IDENTIFYING}" w:initials="RZ"><w:p><w:r><w:t>note</w:t></w:r></w:p></w:comment></w:comments>`);
  z.file(
    'docProps/core.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>${IDENTIFYING}</dc:creator><cp:lastModifiedBy>${IDENTIFYING}</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created></cp:coreProperties>`,
  );
  z.file(
    'docProps/app.xml',
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Company>${IDENTIFYING} 村委会</Company><Manager>${IDENTIFYING}</Manager></Properties>`,
  );
  return z.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/** An XLSX written by exceljs with creator, lastModifiedBy, company and manager, and a Chinese cell. */
export async function xlsxWithCreator(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = IDENTIFYING;
  wb.lastModifiedBy = IDENTIFYING;
  wb.company = IDENTIFYING;
  wb.manager = IDENTIFYING;
  const ws = wb.addWorksheet('名单');
  ws.getCell('A1').value = '李家村低保名单';
  ws.getCell('B1').value = 1234;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** An OLE compound file whose directory names a stream (e.g. `WordDocument`, `Workbook`, or an MSI's). */
export function compoundFile(streamName: string): Buffer {
  const b = Buffer.alloc(4096);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(b);
  b.writeUInt16LE(0x003e, 24); // minor version
  b.writeUInt16LE(0x0003, 26); // major version 3
  b.writeUInt16LE(0xfffe, 28); // little-endian
  b.writeUInt16LE(9, 30); // 512-byte sectors
  Buffer.from('Root Entry\0', 'utf16le').copy(b, 1024);
  Buffer.from(`${streamName}\0`, 'utf16le').copy(b, 1024 + 128);
  return b;
}

/** A short PCM WAV (silence) carrying `marker` in a LIST/INFO chunk. */
export function wavBytes(marker = IDENTIFYING): Buffer {
  const data = Buffer.alloc(800);
  const info = Buffer.from(`INFOIART${String.fromCharCode(marker.length + 1)}\0\0\0${marker}\0`, 'latin1');
  const list = Buffer.concat([Buffer.from('LIST'), Buffer.alloc(4), info]);
  list.writeUInt32LE(info.length, 4);
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0);
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(1, 8);
  fmt.writeUInt16LE(1, 10);
  fmt.writeUInt32LE(8000, 12);
  fmt.writeUInt32LE(16000, 16);
  fmt.writeUInt16LE(2, 20);
  fmt.writeUInt16LE(16, 22);
  const dataHdr = Buffer.alloc(8);
  dataHdr.write('data', 0);
  dataHdr.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE'), fmt, list, dataHdr, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0);
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** The start of an HEIC file (ftyp box, brand heic): detected as image/heic; this sharp cannot decode it. */
export function heicHeader(): Buffer {
  const b = Buffer.alloc(256);
  b.writeUInt32BE(24, 0);
  b.write('ftypheic', 4, 'latin1');
  b.write('mif1heic', 16, 'latin1');
  return b;
}

/** A Windows executable's first bytes (MZ … PE). */
export function exeBytes(): Buffer {
  const b = Buffer.alloc(1024);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(0x80, 0x3c);
  b.write('PE\0\0', 0x80, 'latin1');
  return b;
}
