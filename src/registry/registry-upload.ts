import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { DomainError, ValidationFailedError } from '../common/domain-error.js';

/** Largest registry file accepted by upload (a county roster of ~1M rows is ~120 MB as CSV). */
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

/**
 * Parses a multipart upload of one registry file (field `file`) into `<dataDir>/registry-uploads/`
 * (mode 0700). Used by the JSON API and the import page; the caller checks the CSRF token afterwards
 * and removes or moves the file.
 * @returns the stored file, or undefined when none was sent.
 * @throws DomainError `file_too_large` (413) over {@link MAX_IMPORT_BYTES}; ValidationFailedError for
 *   more than one file or another field name.
 */
export async function receiveRegistryUpload(req: Request, res: Response, dataDir: string): Promise<Express.Multer.File | undefined> {
  const dir = join(dataDir, 'registry-uploads');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await new Promise<void>((resolve, reject) =>
    multer({ dest: dir, limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 40 } }).single('file')(req, res, (err: unknown) => {
      if (!err) return resolve();
      if (err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE') return reject(new DomainError('file_too_large', '文件过大（上限 512 MB）', 413));
      reject(err instanceof multer.MulterError ? new ValidationFailedError({ file: '请只上传一个文件（字段名 file）' }) : err);
    }),
  );
  return req.file;
}

/** Removes an uploaded file if it is still there (it may have been moved into a job). */
export function discardUpload(path: string | undefined): void {
  if (!path) return;
  try {
    unlinkSync(path);
  } catch {
    // moved into the job directory, or never written
  }
}
