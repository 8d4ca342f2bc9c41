import { fileTypeFromBuffer } from 'file-type';

/** An uploaded file as multer hands it over (memory storage or the portal's bounded storage). */
export interface UploadedFileLike {
  originalname: string;
  buffer: Buffer;
  /** Bytes received (may exceed `buffer.length` when the bounded storage stopped keeping them). */
  size: number;
  /** Set by the portal's storage when the file went past the size limit (its bytes were dropped). */
  tooLarge?: boolean;
}

export type InspectErrorCode = 'file_type_not_allowed' | 'file_too_large' | 'file_empty';

export type InspectResult =
  | { ok: true; mime: string; ext: string }
  | { ok: false; code: InspectErrorCode; /** Chinese, names the file */ message: string };

/** The kinds of evidence accepted (DESIGN.md §3: photos, PDF, office documents, audio), by detected MIME type. */
const ALLOWED: Record<string, { mime: string; ext: string }> = {
  'image/jpeg': { mime: 'image/jpeg', ext: 'jpg' },
  'image/png': { mime: 'image/png', ext: 'png' },
  'image/gif': { mime: 'image/gif', ext: 'gif' },
  'image/webp': { mime: 'image/webp', ext: 'webp' },
  'image/heic': { mime: 'image/heic', ext: 'heic' },
  'image/heif': { mime: 'image/heif', ext: 'heif' },
  'application/pdf': { mime: 'application/pdf', ext: 'pdf' },
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx' },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
  'audio/mpeg': { mime: 'audio/mpeg', ext: 'mp3' },
  'audio/x-m4a': { mime: 'audio/mp4', ext: 'm4a' },
  'audio/mp4': { mime: 'audio/mp4', ext: 'm4a' },
  'audio/aac': { mime: 'audio/aac', ext: 'aac' },
  'audio/amr': { mime: 'audio/amr', ext: 'amr' },
  'audio/wav': { mime: 'audio/wav', ext: 'wav' },
  'audio/vnd.wave': { mime: 'audio/wav', ext: 'wav' },
  'audio/ogg': { mime: 'audio/ogg', ext: 'ogg' },
  'audio/ogg; codecs=opus': { mime: 'audio/ogg', ext: 'ogg' },
  'audio/opus': { mime: 'audio/ogg', ext: 'ogg' },
};

export const MIME_DOC = 'application/msword';
export const MIME_XLS = 'application/vnd.ms-excel';

/** Plain words for the message of a refused type. */
export const ALLOWED_TYPES_TEXT = '照片（JPG、PNG、GIF、WebP、HEIC）、PDF、Word、Excel 或录音（MP3、M4A、AAC、AMR、WAV、OGG）';

/**
 * Decides whether a file is acceptable evidence, from its content only (the name's extension never
 * decides): size first (`maxBytes`, default 10 MB), then the type sniffed by `file-type`.
 *
 * Legacy Word/Excel files are OLE compound files (`application/x-cfb`, the same container as MSI
 * installers), so a CFB is accepted only when its directory names a `WordDocument` stream (Word, WPS)
 * or a `Workbook`/`Book` stream (Excel), and is labelled `application/msword` / `application/vnd.ms-excel`.
 * @returns `{ ok: true, mime, ext }` (normalised MIME type and extension), or a code and a Chinese
 *   message naming the file.
 */
export async function inspectEvidence(file: UploadedFileLike, maxBytes: number): Promise<InspectResult> {
  const name = file.originalname || '未命名文件';
  if (file.tooLarge || file.size > maxBytes || file.buffer.length > maxBytes) {
    return { ok: false, code: 'file_too_large', message: `文件“${name}”超过 ${formatMegabytes(maxBytes)}，未能上传。请压缩或分成几个文件后再上传。` };
  }
  if (file.size === 0 || file.buffer.length === 0) {
    return { ok: false, code: 'file_empty', message: `文件“${name}”是空文件，请重新选择。` };
  }
  const refused: InspectResult = { ok: false, code: 'file_type_not_allowed', message: `文件“${name}”的类型不能上传。可以上传${ALLOWED_TYPES_TEXT}。` };
  let detected: { mime: string; ext: string } | undefined;
  try {
    detected = await fileTypeFromBuffer(file.buffer);
  } catch {
    return refused;
  }
  if (!detected) return refused;
  if (detected.mime === 'application/x-cfb') {
    const kind = legacyOfficeKind(file.buffer);
    if (kind === 'word') return { ok: true, mime: MIME_DOC, ext: 'doc' };
    if (kind === 'excel') return { ok: true, mime: MIME_XLS, ext: 'xls' };
    return refused;
  }
  const allowed = ALLOWED[detected.mime];
  return allowed ? { ok: true, ...allowed } : refused;
}

/**
 * Which legacy Office document an OLE compound file holds, from the stream names of its directory
 * (UTF-16LE, [MS-CFB] §2.6). `WordDocument` ⇒ Word ([MS-DOC] §2.1.1); `Workbook` or `Book` ⇒ Excel
 * ([MS-XLS] §2.1.2). Anything else (MSI installers, Outlook messages…) ⇒ null.
 */
export function legacyOfficeKind(buffer: Buffer): 'word' | 'excel' | null {
  const has = (s: string): boolean => buffer.includes(Buffer.from(s + '\0', 'utf16le'));
  if (has('WordDocument')) return 'word';
  if (has('Workbook') || has('Book')) return 'excel';
  return null;
}

export function formatMegabytes(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}

/** File extensions that mean the same type as the detected one (so `photo.jpeg` stays as it is). */
const SAME_TYPE_EXTENSIONS: Record<string, string[]> = { jpg: ['jpg', 'jpeg', 'jpe'], heic: ['heic', 'heif'], heif: ['heic', 'heif'], m4a: ['m4a', 'mp4', 'aac'] };

/**
 * The name to offer for a download of a stored file: the citizen's name as given, with the extension of
 * the type detected from the content appended when the name's own extension says otherwise — so a
 * JPEG named `evil.html` is saved as `evil.html.jpg` and never opens in the wrong program.
 */
export function downloadName(name: string, mime: string): string {
  const ext = ALLOWED[mime]?.ext;
  if (!ext) return name;
  const own = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
  return own && (SAME_TYPE_EXTENSIONS[ext] ?? [ext]).includes(own) ? name : `${name}.${ext}`;
}
