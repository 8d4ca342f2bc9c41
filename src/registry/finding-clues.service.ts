import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { CluesService } from '../clues/clues.service.js';
import { Clue } from '../clues/entities/clue.entity.js';
import { InvalidStateError, ValidationFailedError } from '../common/domain-error.js';
import { OfficesService } from '../regions/offices.service.js';
import { Finding } from './entities/finding.entity.js';
import { FindingsService, type FindingView, type Viewer } from './findings.service.js';

/**
 * Turning a finding into a clue (DESIGN.md §6 "turn into a clue"; §4 `(new) → registered` from "a
 * finding turned into a clue"): a clue with source `finding`, the official as its subject and the
 * household (and the person concerned) as its beneficiary, registered with the 1-month disposal
 * clock; the finding becomes `turned_into_clue`. One transaction with both audit events.
 */
@Injectable()
export class FindingCluesService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly findings: FindingsService,
    private readonly clues: CluesService,
    private readonly offices: OfficesService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Turns an open finding into a clue.
   * @param reason optional note (at most 500 characters), kept in the clue's timeline and the audit trail.
   * @returns the finding as it is now and the id of the new clue.
   * @throws NotFoundError outside the viewer's scope (or where the findings scope excludes the viewer);
   *   ValidationFailedError for a reason over 500 characters; InvalidStateError `finding_not_open`
   *   when the finding is not open (dismissed, already a clue, resolved by data).
   */
  async turnIntoClue(viewer: Viewer, id: number, reason?: string | null): Promise<{ finding: FindingView; clueId: number }> {
    const note = (reason ?? '').trim() || null;
    if (note && Array.from(note).length > 500) throw new ValidationFailedError({ reason: '说明不超过 500 字' });
    const f = await this.findings.get(viewer, id);
    if (f.status !== 'open') throw new InvalidStateError('只能将待核查状态的疑点转为问题线索', 'finding_not_open');
    const office = await this.offices.findResponsibleOffice(f.regionCode).catch(() => null);
    const clueId = await this.ds.transaction(async (m) => {
      const now = new Date();
      const res = await m
        .createQueryBuilder()
        .update(Finding)
        .set({ status: 'turned_into_clue', reviewedByUserId: viewer.userId, reviewedAt: now, updatedAt: now })
        .where('id = :id AND status = :open', { id, open: 'open' })
        .execute();
      if (res.affected !== 1) throw new InvalidStateError('只能将待核查状态的疑点转为问题线索', 'finding_not_open');
      const clue = await this.clues.createClue(m, {
        source: 'finding',
        findingId: id,
        regionCode: f.regionCode,
        category: 'favouritism_kin',
        officeId: office?.id ?? null,
        summary: f.explanation,
        subjects: [{ officialId: f.official.id }],
        beneficiaries: [{ householdId: f.household.id, personId: f.person.id }],
        actorUserId: viewer.userId,
        reason: note,
      });
      await this.audit.record(m, {
        actorUserId: viewer.userId,
        actorKind: 'user',
        action: 'registry.finding.turn_into_clue',
        recordType: 'finding',
        recordId: id,
        reason: note,
        details: { clueId: clue.id, type: f.type },
      });
      return clue.id;
    });
    return { finding: await this.findings.get(viewer, id), clueId };
  }

  /** The clue made from a finding, or null. */
  async clueIdOf(findingId: number): Promise<number | null> {
    const clue = await this.ds.getRepository(Clue).findOne({ where: { findingId }, select: { id: true } });
    return clue?.id ?? null;
  }
}
