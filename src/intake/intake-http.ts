import type { Response } from 'express';
import { downloadName } from '../evidence/evidence-types.js';
import { NotFoundError } from '../common/domain-error.js';

/** Parses a route id; anything but a positive integer is a plain 404 (like an absent record). */
export function routeId(raw: string): number {
  if (!/^[1-9]\d{0,9}$/.test(raw)) throw new NotFoundError();
  return Number(raw);
}

/** `filename*=UTF-8''…` (RFC 6266/5987) keeping the Chinese name exactly, plus an ASCII fallback. */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\;]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends an evidence file (cleaned copy or, under an approved reveal, the original) as a download:
 * never rendered inline, `nosniff`, not cached, the name ending with the detected type's extension.
 */
export function sendEvidenceDownload(res: Response, file: { name: string; mime: string; data: Buffer }): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Type', file.mime || 'application/octet-stream');
  res.setHeader('Content-Disposition', attachmentDisposition(downloadName(file.name, file.mime)));
  res.setHeader('Content-Length', String(file.data.length));
  res.end(file.data);
}
