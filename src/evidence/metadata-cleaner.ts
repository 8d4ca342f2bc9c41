import sharp from 'sharp';
import JSZip from 'jszip';
import { PDFDict, PDFDocument, PDFName, PDFRawStream, PDFRef, PDFStream } from 'pdf-lib';

/** A cleaned copy and its MIME type (the original's, except HEIC/HEIF which become JPEG). */
export interface CleanCopy {
  buffer: Buffer;
  mime: string;
}

/** Largest decoded image we accept to re-encode (decompression bombs). */
const MAX_INPUT_PIXELS = 100_000_000;
/** Largest decompressed XML part of an Office file that we read (zip bombs). */
const MAX_OOXML_PART_BYTES = 32 * 1024 * 1024;

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * The MIME type of the cleaned copy of a file of type `mime`, or null when no cleaned copy can be
 * made for that type (audio, legacy .doc/.xls: staff then see “原件需经审批查看”).
 */
export function cleanCopyMime(mime: string): string | null {
  if (mime === 'image/heic' || mime === 'image/heif') return 'image/jpeg';
  if (['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'application/pdf', DOCX, XLSX].includes(mime)) return mime;
  return null;
}

/**
 * Makes the copy staff see by default (DESIGN.md §3): the same document without the metadata that can
 * name or locate the reporter.
 * - images: decoded and re-encoded with sharp, orientation applied first, then every EXIF (incl. GPS),
 *   XMP, IPTC, ICC profile and comment dropped;
 * - PDF: the Info dictionary (title, author, subject, keywords, creator, producer, dates) and every XMP
 *   `/Metadata` stream and `/PieceInfo` removed (pdf-lib, rewritten whole, not as an update);
 * - DOCX/XLSX: creator, lastModifiedBy (docProps/core.xml), Company, Manager (docProps/app.xml), custom
 *   property values, and the authors of comments and tracked changes blanked (jszip).
 * @returns null when the type has no cleaner or the file cannot be parsed (encrypted PDF, an image
 *   format this sharp build cannot decode such as HEIC): staff then see that the original needs approval.
 */
export async function makeCleanCopy(buffer: Buffer, mime: string): Promise<CleanCopy | null> {
  try {
    if (mime.startsWith('image/')) return await cleanImage(buffer, mime);
    if (mime === 'application/pdf') return { buffer: await cleanPdf(buffer), mime };
    if (mime === DOCX || mime === XLSX) return { buffer: await cleanOoxml(buffer), mime };
  } catch {
    return null;
  }
  return null;
}

async function cleanImage(buffer: Buffer, mime: string): Promise<CleanCopy | null> {
  const target = cleanCopyMime(mime);
  if (!target) return null;
  const meta = await sharp(buffer, { failOn: 'none', limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  const animated = (meta.pages ?? 1) > 1 && (mime === 'image/gif' || mime === 'image/webp');
  let img = sharp(buffer, { failOn: 'none', limitInputPixels: MAX_INPUT_PIXELS, animated });
  // Apply the EXIF orientation to the pixels before the EXIF block goes away.
  if (!animated) img = img.rotate();
  switch (target) {
    case 'image/jpeg':
      img = img.jpeg({ quality: 90 });
      break;
    case 'image/png':
      img = img.png();
      break;
    case 'image/webp':
      img = img.webp({ quality: 90 });
      break;
    case 'image/gif':
      img = img.gif();
      break;
    default:
      return null;
  }
  // sharp writes no metadata unless asked to (no withMetadata/keepExif/keepIccProfile here).
  return { buffer: await img.toBuffer(), mime: target };
}

async function cleanPdf(buffer: Buffer): Promise<Buffer> {
  const doc = await PDFDocument.load(buffer, { updateMetadata: false });
  const ctx = doc.context;
  const info = ctx.trailerInfo.Info;
  if (info instanceof PDFRef) ctx.delete(info);
  ctx.trailerInfo.Info = undefined;
  const METADATA = PDFName.of('Metadata');
  const PIECE_INFO = PDFName.of('PieceInfo');
  const TYPE = PDFName.of('Type');
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) {
    const dict = obj instanceof PDFDict ? obj : obj instanceof PDFStream ? obj.dict : null;
    if (!dict) continue;
    if (dict.get(TYPE) === METADATA && (obj instanceof PDFRawStream || obj instanceof PDFStream)) {
      ctx.delete(ref);
      continue;
    }
    for (const key of [METADATA, PIECE_INFO]) {
      const v = dict.get(key);
      if (v === undefined) continue;
      if (v instanceof PDFRef) ctx.delete(v);
      dict.delete(key);
    }
  }
  const catalog = doc.catalog;
  for (const key of [METADATA, PIECE_INFO]) catalog.delete(key);
  return Buffer.from(await doc.save({ updateFieldAppearances: false }));
}

const CORE_FIELDS = /<((?:[\w.-]+:)?(?:creator|lastModifiedBy))(\s[^>]*)?>[\s\S]*?<\/\1>/g;
const APP_FIELDS = /<((?:[\w.-]+:)?(?:Company|Manager))(\s[^>]*)?>[\s\S]*?<\/\1>/g;
const CUSTOM_VALUES = /<((?:[\w.-]+:)?lpwstr)(\s[^>]*)?>[\s\S]*?<\/\1>/g;
const AUTHOR_ATTRS = /\b((?:[\w.-]+:)?(?:author|initials|userId|providerId|displayName))="[^"]*"/g;
const AUTHOR_ELEMENTS = /<((?:[\w.-]+:)?author)(\s[^>]*)?>[\s\S]*?<\/\1>/g;

async function cleanOoxml(buffer: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(buffer);
  const rewrite = async (path: string, edit: (xml: string) => string): Promise<void> => {
    const entry = zip.file(path);
    if (!entry) return;
    const declared = (entry as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0;
    if (declared > MAX_OOXML_PART_BYTES) throw new Error('ooxml part too large');
    const xml = await entry.async('string');
    if (xml.length > MAX_OOXML_PART_BYTES) throw new Error('ooxml part too large');
    const edited = edit(xml);
    if (edited !== xml) zip.file(path, edited);
  };
  const blank = (re: RegExp) => (xml: string) => xml.replace(re, '<$1$2></$1>');
  await rewrite('docProps/core.xml', blank(CORE_FIELDS));
  await rewrite('docProps/app.xml', blank(APP_FIELDS));
  await rewrite('docProps/custom.xml', blank(CUSTOM_VALUES));
  const authored = Object.keys(zip.files).filter((p) =>
    /^word\/(document|comments[^/]*|people|footnotes|endnotes|header\d*|footer\d*)\.xml$/.test(p) || /^xl\/(comments\d*\.xml|threadedComments\/[^/]+\.xml|persons\/[^/]+\.xml)$/.test(p),
  );
  for (const p of authored) {
    await rewrite(p, (xml) => xml.replace(AUTHOR_ATTRS, '$1=""').replace(AUTHOR_ELEMENTS, '<$1$2></$1>'));
  }
  // Untouched entries keep their compressed bytes (jszip reuses them), so nothing else is inflated.
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 6 } });
}
