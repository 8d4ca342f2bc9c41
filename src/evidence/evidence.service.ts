import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { MulterOptions } from '@nestjs/platform-express/multer/interfaces/multer-options.interface.js';
import { In, IsNull, LessThanOrEqual, MoreThan, Not, type DataSource, type EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { decryptBuffer, encryptBuffer, hmacHex } from '../common/crypto.js';
import { Attachment } from '../reports/entities/attachment.entity.js';
import { inspectEvidence, type InspectResult, type UploadedFileLike } from './evidence-types.js';
import { cleanCopyMime, makeCleanCopy } from './metadata-cleaner.js';
import { evidenceMulterOptions } from './upload-options.js';

/** A file written (encrypted) to disk whose `attachments` row is not inserted yet. */
export interface PendingFile {
  /** Random 48 hex chars: the file is `<dataDir>/files/<storageKey>` (and `<storageKey>.clean`). */
  storageKey: string;
  /** Exactly as the citizen named it. */
  originalName: string;
  /** Detected from the content. */
  mime: string;
  ext: string;
  /** Bytes of the original (before encryption). */
  size: number;
  hasCleanCopy: boolean;
  addedBy: 'reporter' | 'staff';
}

/** Where saved attachments belong: a report (optionally one of its messages) or a draft. */
export interface AttachmentTarget {
  reportId?: number;
  messageId?: number;
  draftHash?: string;
}

/** What staff see instead of a cleaned copy when none could be made (audio, legacy Office, HEIC…). */
export const NO_CLEAN_COPY_NOTICE = '原件需经审批查看';
/** Drafts (files held while a no-JS form is corrected) live 2 hours from upload. */
export const DRAFT_TTL_MS = 2 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;
const STORAGE_KEY = /^[0-9a-f]{48}$/;
const DRAFT_TOKEN = /^[A-Za-z0-9_-]{32}$/;

/**
 * Evidence files (DESIGN.md §3): type from the content, originals encrypted at rest, cleaned copies for
 * staff, drafts for forms being corrected.
 *
 * Files live under `<dataDir>/files/` (directory 0700, files 0600), named by a random storage key
 * (never the citizen's file name), AES-256-GCM with `config.secrets.encryptionKey` and the storage key
 * as associated data. Nothing here is reachable from a public path.
 *
 * Writing is split around the caller's transaction: `storeUploads` writes the files first, the caller
 * inserts rows with `saveAttachments` inside its transaction, and calls `discard` if it fails, so no
 * file without a row and no row without a file stays behind.
 */
@Injectable()
export class EvidenceService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('EvidenceService');
  private readonly dir: string;
  private readonly draftKey: Buffer;
  private dirReady?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {
    this.dir = join(config.dataDir, 'files');
    this.draftKey = createHmac('sha256', config.secrets.receiptHmacKey).update('qingfeng:draft-token').digest();
  }

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.sweep().catch((e: Error) => this.logger.warn(`evidence sweep failed: ${e.name}`));
    }, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Options for `FilesInterceptor` / `FileFieldsInterceptor` (see `evidenceMulterOptions`). */
  multerOptions(): MulterOptions {
    return evidenceMulterOptions(this.config);
  }

  /**
   * Whether a file is acceptable evidence, decided from its content (see `inspectEvidence`).
   * @returns `{ ok: true, mime, ext }` or `{ ok: false, code: 'file_type_not_allowed' | 'file_too_large'
   *   | 'file_empty', message }` with a Chinese message naming the file.
   */
  inspect(file: UploadedFileLike): Promise<InspectResult> {
    return inspectEvidence(file, this.config.uploads.maxFileBytes);
  }

  /**
   * Checks and writes uploaded files, encrypted, with their cleaned copies — outside any transaction.
   * At most `config.uploads.maxFiles` (5) files count, including `opts.alreadyAttached` (files already
   * in the draft); the others are refused with a message.
   * @returns `stored` (to pass to `saveAttachments`, or to `discard` if the caller's transaction
   *   fails) and `errors`: `files.<index in files>` → Chinese message naming the file (codes
   *   `file_type_not_allowed`, `file_too_large`, `file_empty`, `too_many_files` in `errorCodes`).
   * @throws the file system's error (nothing written by this call is left behind then).
   */
  async storeUploads(
    files: UploadedFileLike[] | undefined | null,
    opts: { addedBy: 'reporter' | 'staff'; alreadyAttached?: number },
  ): Promise<{ stored: PendingFile[]; errors: Record<string, string>; errorCodes: Record<string, string> }> {
    const stored: PendingFile[] = [];
    const errors: Record<string, string> = {};
    const errorCodes: Record<string, string> = {};
    const room = Math.max(0, this.config.uploads.maxFiles - (opts.alreadyAttached ?? 0));
    try {
      for (const [i, file] of (files ?? []).entries()) {
        const verdict = await this.inspect(file);
        if (!verdict.ok) {
          errors[`files.${i}`] = verdict.message;
          errorCodes[`files.${i}`] = verdict.code;
          continue;
        }
        if (stored.length >= room) {
          errors[`files.${i}`] = `最多可以上传 ${this.config.uploads.maxFiles} 个文件，“${file.originalname}”没有上传。`;
          errorCodes[`files.${i}`] = 'too_many_files';
          continue;
        }
        stored.push(await this.writeOne(file, verdict.mime, verdict.ext, opts.addedBy));
      }
    } catch (e) {
      await this.discard(stored);
      throw e;
    }
    return { stored, errors, errorCodes };
  }

  /**
   * Inserts the rows of written files inside the caller's transaction (`manager`).
   * @returns the saved attachments, in the order given.
   */
  async saveAttachments(manager: EntityManager, pending: PendingFile[], target: AttachmentTarget): Promise<Attachment[]> {
    const repo = manager.getRepository(Attachment);
    const saved: Attachment[] = [];
    for (const p of pending) {
      const row = repo.create({
        reportId: target.reportId ?? null,
        messageId: target.messageId ?? null,
        draftHash: target.draftHash ?? null,
        storageKey: p.storageKey,
        originalName: p.originalName,
        mime: p.mime,
        size: p.size,
        hasCleanCopy: p.hasCleanCopy,
        addedBy: p.addedBy,
        createdAt: new Date(),
      });
      saved.push(await repo.save(row));
    }
    return saved;
  }

  /** Deletes written files whose rows were not committed (call when the caller's transaction failed). Never throws. */
  async discard(pending: PendingFile[]): Promise<void> {
    for (const p of pending) await this.removeFiles(p.storageKey);
  }

  /**
   * A new draft token for a form being corrected: `token` goes into the form (hidden field), only
   * `hash` (HMAC, 64 hex) is stored. See `draftHashOf` for a token coming back.
   */
  newDraftToken(): { token: string; hash: string } {
    const token = randomBytes(24).toString('base64url');
    return { token, hash: this.draftHashOf(token)! };
  }

  /** The hash of a draft token sent back by a form, or null when it is not a well-formed token. */
  draftHashOf(token: string | undefined | null): string | null {
    if (typeof token !== 'string' || !DRAFT_TOKEN.test(token)) return null;
    return hmacHex(this.draftKey, token);
  }

  /** The unexpired files of a draft (uploaded less than 2 hours ago), oldest first. */
  listDraft(draftHash: string, now = Date.now()): Promise<Attachment[]> {
    return this.ds.getRepository(Attachment).find({
      where: { draftHash, reportId: IsNull(), createdAt: MoreThan(new Date(now - DRAFT_TTL_MS)) },
      order: { id: 'ASC' },
    });
  }

  /** Removes one file from a draft (row and files). @returns false when it is not in that draft. */
  async removeFromDraft(draftHash: string, attachmentId: number): Promise<boolean> {
    const repo = this.ds.getRepository(Attachment);
    const row = await repo.findOneBy({ id: attachmentId, draftHash, reportId: IsNull() });
    if (!row) return false;
    const r = await repo.delete({ id: row.id, draftHash, reportId: IsNull() });
    if (!r.affected) return false;
    await this.removeFiles(row.storageKey);
    return true;
  }

  /**
   * Attaches a draft's unexpired files to a report (and optionally one of its messages) inside the
   * caller's transaction. @returns the number of files moved.
   */
  async moveDraftToReport(manager: EntityManager, draftHash: string, reportId: number, messageId?: number): Promise<number> {
    const r = await manager
      .createQueryBuilder()
      .update(Attachment)
      .set({ reportId, messageId: messageId ?? null, draftHash: null })
      .where({ draftHash, reportId: IsNull(), createdAt: MoreThan(new Date(Date.now() - DRAFT_TTL_MS)) })
      .execute();
    return r.affected ?? 0;
  }

  /** The cleaned copy, or null when the file has none (show `NO_CLEAN_COPY_NOTICE`). */
  async readClean(attachment: Pick<Attachment, 'storageKey' | 'hasCleanCopy'>): Promise<Buffer | null> {
    if (!attachment.hasCleanCopy) return null;
    return decryptBuffer(this.config.secrets.encryptionKey, await readFile(this.path(attachment.storageKey, true)), aad(attachment.storageKey, true));
  }

  /** MIME type of the cleaned copy (HEIC becomes JPEG), or null when there is none. */
  cleanMime(attachment: Pick<Attachment, 'mime' | 'hasCleanCopy'>): string | null {
    return attachment.hasCleanCopy ? cleanCopyMime(attachment.mime) : null;
  }

  /**
   * The original as uploaded. Only for the approved reveal of a later issue (custody of evidence):
   * metadata in it can name the reporter. Not exposed on any route.
   * @throws DecryptionError when the file was altered; ENOENT when it is missing.
   */
  async readOriginal(attachment: Pick<Attachment, 'storageKey'>): Promise<Buffer> {
    return decryptBuffer(this.config.secrets.encryptionKey, await readFile(this.path(attachment.storageKey, false)), aad(attachment.storageKey, false));
  }

  /**
   * Deletes drafts older than 2 hours (row first, then its files) and files on disk older than 2 hours
   * that no row names (left by a crash between writing and committing). Runs every 10 minutes.
   * @returns counts of expired draft files and orphan files removed.
   */
  async sweep(now = Date.now()): Promise<{ drafts: number; orphans: number }> {
    const repo = this.ds.getRepository(Attachment);
    const cutoff = new Date(now - DRAFT_TTL_MS);
    const expired = await repo.find({ where: { draftHash: Not(IsNull()), reportId: IsNull(), createdAt: LessThanOrEqual(cutoff) }, take: 1000 });
    let drafts = 0;
    for (const row of expired) {
      // Only if it is still a draft: a report may have claimed it meanwhile.
      const r = await repo.delete({ id: row.id, reportId: IsNull(), draftHash: Not(IsNull()) });
      if (r.affected) {
        await this.removeFiles(row.storageKey);
        drafts++;
      }
    }
    return { drafts, orphans: await this.sweepOrphans(now - DRAFT_TTL_MS) };
  }

  private async sweepOrphans(olderThan: number): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    const keys = [...new Set(names.map((n) => n.replace(/\.clean$/, '')).filter((k) => STORAGE_KEY.test(k)))];
    let removed = 0;
    for (let i = 0; i < keys.length; i += 500) {
      const batch = keys.slice(i, i + 500);
      const known = new Set((await this.ds.getRepository(Attachment).find({ select: { storageKey: true }, where: { storageKey: In(batch) } })).map((a) => a.storageKey));
      for (const key of batch) {
        if (known.has(key)) continue;
        const st = await stat(this.path(key, false)).catch(() => stat(this.path(key, true)).catch(() => null));
        if (st && st.mtimeMs <= olderThan) {
          await this.removeFiles(key);
          removed++;
        }
      }
    }
    return removed;
  }

  private async writeOne(file: UploadedFileLike, mime: string, ext: string, addedBy: 'reporter' | 'staff'): Promise<PendingFile> {
    await this.ensureDir();
    const storageKey = randomBytes(24).toString('hex');
    const key = this.config.secrets.encryptionKey;
    const clean = await makeCleanCopy(file.buffer, mime);
    try {
      await writeFile(this.path(storageKey, false), encryptBuffer(key, file.buffer, aad(storageKey, false)), { mode: 0o600, flag: 'wx' });
      if (clean) await writeFile(this.path(storageKey, true), encryptBuffer(key, clean.buffer, aad(storageKey, true)), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      await this.removeFiles(storageKey);
      throw e;
    }
    return { storageKey, originalName: file.originalname, mime, ext, size: file.buffer.length, hasCleanCopy: clean !== null, addedBy };
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await chmod(this.dir, 0o700);
    })().catch((e) => {
      this.dirReady = undefined;
      throw e;
    });
    return this.dirReady;
  }

  private async removeFiles(storageKey: string): Promise<void> {
    if (!STORAGE_KEY.test(storageKey)) return;
    await rm(this.path(storageKey, false), { force: true }).catch(() => undefined);
    await rm(this.path(storageKey, true), { force: true }).catch(() => undefined);
  }

  private path(storageKey: string, clean: boolean): string {
    if (!STORAGE_KEY.test(storageKey)) throw new Error('invalid storage key');
    return join(this.dir, clean ? `${storageKey}.clean` : storageKey);
  }
}

function aad(storageKey: string, clean: boolean): string {
  return `${clean ? 'evidence-clean' : 'evidence'}:${storageKey}`;
}
