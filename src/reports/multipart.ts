import type { Request, Response } from 'express';
import multer from 'multer';
import { DomainError } from '../common/domain-error.js';

/**
 * Parses a multipart form (text fields into `req.body`, files of the field `files`) with the evidence
 * module's multer options. Multer's own limits become a Chinese `DomainError`:
 * 413 `file_too_large`, 400 `too_many_files`, 413 `payload_too_large`.
 */
export function parseMultipart(req: Request, res: Response, options: object, maxFiles: number, maxFileBytes: number): Promise<Express.Multer.File[]> {
  return new Promise((resolve, reject) => {
    // No maxCount: the evidence options cap the count hard (2 × max); storeUploads refuses past 5 softly.
    multer(options as multer.Options).array('files')(req, res, (err: unknown) => {
      if (!err) return resolve((req.files as Express.Multer.File[] | undefined) ?? []);
      reject(multerError(err, maxFiles, maxFileBytes));
    });
  });
}

export function multerError(err: unknown, maxFiles: number, maxFileBytes: number): unknown {
  if (!(err instanceof multer.MulterError)) return err;
  const mb = Math.round(maxFileBytes / 1024 / 1024);
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new DomainError('file_too_large', `文件过大：每个文件不能超过 ${mb} MB。请压缩或分开后重新上传。`, 413, { files: `每个文件不能超过 ${mb} MB` });
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return new DomainError('too_many_files', `一次最多上传 ${maxFiles} 个文件`, 400, { files: `最多上传 ${maxFiles} 个文件` });
    default:
      return new DomainError('payload_too_large', '提交的内容过多或过大，请精简后重试', 413);
  }
}
