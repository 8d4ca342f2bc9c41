import type { Request } from 'express';
import type { MulterOptions } from '@nestjs/platform-express/multer/interfaces/multer-options.interface.js';
import type { AppConfig } from '../config/app-config.js';
import { stripInvisibleFormatChars } from '../common/invisible-chars.js';

/** Longest file name kept, in characters (the `original_name` column is varchar(255)). */
export const MAX_NAME_CHARS = 255;

/**
 * Repairs a file name that a multipart parser decoded as latin1 although the browser sent UTF-8 bytes
 * (busboy's default for `filename="…"`): `ä½Žä¿` → `低保`. A name is converted only when every
 * character is below U+0100, at least one is above U+007F, and the bytes are valid UTF-8 — so a real
 * latin1 name such as `café.jpg` stays as it is. Path parts, control characters and invisible format
 * characters (a U+202E can make `gpj.exe` look like `exe.jpg`) are dropped, and
 * the name is cut to 255 characters keeping its extension.
 */
export function normaliseUploadName(raw: string | undefined | null): string {
  let name = raw ?? '';
  if (/[\u0080-\u00ff]/.test(name) && !/[^\u0000-\u00ff]/.test(name)) {
    try {
      name = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(name, 'latin1'));
    } catch {
      // not UTF-8 after all: keep the latin1 reading
    }
  }
  name = stripInvisibleFormatChars(name.replace(/^.*[\\/]/, '').replace(/[\u0000-\u001f\u007f]/g, '')).trim();
  const chars = Array.from(name);
  if (chars.length > MAX_NAME_CHARS) {
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? Array.from(name.slice(dot)).slice(0, 16) : [];
    name = chars.slice(0, MAX_NAME_CHARS - ext.length).join('') + ext.join('');
  }
  return name || '未命名文件';
}

interface MulterFileInProgress {
  originalname: string;
  stream: NodeJS.ReadableStream;
}

/**
 * multer storage that keeps files in memory up to `maxBytes` each. A larger file is read to its end
 * but its bytes are dropped and it is marked `tooLarge`, so the handler can answer with a field error
 * naming the file (and keep what the citizen typed) instead of aborting the whole form.
 */
export class BoundedMemoryStorage {
  constructor(private readonly maxBytes: number) {}

  _handleFile(_req: Request, file: MulterFileInProgress, cb: (error: Error | null, info?: Record<string, unknown>) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    file.stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) return;
      if (size > this.maxBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    file.stream.on('error', (e: Error) => cb(e));
    file.stream.on('end', () => {
      cb(null, { buffer: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), size, tooLarge, originalname: normaliseUploadName(file.originalname) });
    });
  }

  _removeFile(_req: Request, file: { buffer?: Buffer }, cb: (error: Error | null) => void): void {
    delete file.buffer;
    cb(null);
  }
}

/**
 * Options for Nest's `FilesInterceptor` / `FileFieldsInterceptor` on forms that carry evidence files:
 * - bounded memory storage: each file up to `config.uploads.maxFileBytes` (10 MB default) is kept;
 *   a larger one arrives marked `tooLarge` and `EvidenceService.inspect`/`storeUploads` refuse it with
 *   `file_too_large` and a Chinese message naming it (a field error, the form keeps its fields);
 * - a hard cap of 4 × that size per file and 2 × `config.uploads.maxFiles` files, past which multer
 *   aborts the request (Nest answers 413 `payload_too_large`): the count of 5 is enforced softly by
 *   `storeUploads` so a sixth photo is a field error too — give `FilesInterceptor` no `maxCount`;
 * - `defParamCharset: 'utf8'`, and names repaired by `normaliseUploadName`, so `低保名单-李家村.xlsx`
 *   and emoji names arrive exactly as the citizen's phone named them.
 */
export function evidenceMulterOptions(config: AppConfig): MulterOptions {
  return {
    storage: new BoundedMemoryStorage(config.uploads.maxFileBytes),
    defParamCharset: 'utf8',
    limits: {
      fileSize: config.uploads.maxFileBytes * 4,
      files: config.uploads.maxFiles * 2,
      fieldSize: 100 * 1024,
      fields: 500,
    },
  };
}
