import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { reverseKinTypes, type RecusalViewer } from '../recusal/recusal.policy.js';
import { likeEscape } from '../intake/intake.repository.js';
import { Clue } from './entities/clue.entity.js';
import { FINAL_STATUSES } from './matter-transitions.js';
import type { MatterStatus } from './clue-enums.js';

/** Who reads matters: region scope prefix and the recusal side (DESIGN.md §5). */
export interface MatterViewer {
  scopePrefix: string;
  /** null = region only (used solely to tell a recused read, which is audited, from an absent one). */
  recusal: RecusalViewer | null;
}

/** Filters of the work lists. */
export interface MatterListFilters {
  status?: MatterStatus | 'open' | 'all';
  assignedUserId?: number;
  /** Only matters whose current clock is past due on `overdueOn` (`YYYY-MM-DD`). */
  overdueOn?: string;
  page: number;
  pageSize: number;
}

const SCOPE_PREFIX = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;

/**
 * Reads of clues and cases. THE scope condition is {@link CluesRepository.inScope} (region prefix +
 * recusal); every list, count and single read goes through it, so a matter outside scope or recused
 * is simply not found (404) and is left out of lists and counts. It is written to port as one CASL
 * `clues` policy condition.
 */
@Injectable()
export class CluesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** One clue in scope (not merged away), or null. */
  async findInScope(viewer: MatterViewer, id: number, manager?: EntityManager): Promise<Clue | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const qb = (manager ?? this.ds.manager).getRepository(Clue).createQueryBuilder('c');
    this.inScope(qb, viewer);
    return qb.andWhere('c.id = :id', { id }).getOne();
  }

  /** The clue row locked for update in the caller's transaction (scope checked). SQLite serialises writers anyway. */
  async lockInScope(manager: EntityManager, viewer: MatterViewer, id: number): Promise<Clue | null> {
    if (!Number.isSafeInteger(id) || id <= 0) return null;
    const qb = manager.getRepository(Clue).createQueryBuilder('c');
    this.inScope(qb, viewer);
    qb.andWhere('c.id = :id', { id });
    if (manager.connection.options.type !== 'better-sqlite3') qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** A work list page (newest registered first; with `overdueOn`, most overdue first) and its total (-1 for the overdue list, which is not counted). */
  async list(viewer: MatterViewer, f: MatterListFilters): Promise<[Clue[], number]> {
    // The overdue list needs no total (a count over the whole scope is the expensive part).
    return f.overdueOn ? [await this.listPage(viewer, f), -1] : this.listQuery(viewer, f).getManyAndCount();
  }

  /** The same page without its total (no count over the whole scope; the overdue list needs none). */
  async listPage(viewer: MatterViewer, f: MatterListFilters): Promise<Clue[]> {
    return this.listQuery(viewer, f).getMany();
  }

  private listQuery(viewer: MatterViewer, f: MatterListFilters): SelectQueryBuilder<Clue> {
    const qb = this.ds.getRepository(Clue).createQueryBuilder('c');
    this.inScope(qb, viewer);
    if (f.status === 'open' || f.overdueOn) qb.andWhere('c.status NOT IN (:...finals)', { finals: FINAL_STATUSES });
    else if (f.status && f.status !== 'all') qb.andWhere('c.status = :status', { status: f.status });
    if (f.assignedUserId !== undefined) qb.andWhere('c.assigned_user_id = :au', { au: f.assignedUserId });
    if (f.overdueOn) qb.andWhere('c.due_date IS NOT NULL AND c.due_date < :today', { today: f.overdueOn });
    // Overdue: (due_date, id) ascending is the order of idx_clues_due, so the scan stops after a page.
    if (f.overdueOn) qb.orderBy('c.due_date', 'ASC').addOrderBy('c.id', 'ASC');
    else qb.orderBy('c.registered_at', 'DESC').addOrderBy('c.id', 'DESC');
    return qb.skip((Math.max(1, f.page) - 1) * f.pageSize).take(f.pageSize);
  }

  /**
   * Recent open clues in scope that look like the same matter as a new report (likely repeats): a
   * subject with the same name in the same county, or a beneficiary with the same surname, registered
   * on or after `since`. Candidates only; the caller scores them.
   */
  async repeatCandidates(viewer: MatterViewer, input: { countyPrefix: string; subjectNames: string[]; beneficiarySurnames: string[]; since: Date }, limit = 20): Promise<Clue[]> {
    const subjects = input.subjectNames.length ? input.subjectNames : ['\u0000'];
    const surnames = input.beneficiarySurnames.length ? input.beneficiarySurnames : ['\u0000'];
    const qb = this.ds.getRepository(Clue).createQueryBuilder('c');
    this.inScope(qb, viewer);
    qb.andWhere('c.region_code LIKE :county', { county: `${likeEscape(input.countyPrefix)}%` })
      .andWhere('c.registered_at >= :since', { since: input.since })
      .andWhere(
        new Brackets((w) => {
          w.where('EXISTS (SELECT 1 FROM clue_subjects rs WHERE rs.clue_id = c.id AND rs.name IN (:...rsn))', { rsn: subjects }).orWhere(
            'EXISTS (SELECT 1 FROM clue_beneficiaries rb WHERE rb.clue_id = c.id AND SUBSTR(rb.name, 1, 1) IN (:...rbs))',
            { rbs: surnames },
          );
        }),
      );
    return qb.orderBy('c.registered_at', 'DESC').take(limit).getMany();
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * THE scope condition of matters: the clue's region lies within the viewer's prefix, it was not
   * merged into another, and the viewer is not recused (回避, DESIGN.md §5; 监察法 art. 67):
   *  - no declared/ordered recusal of the viewer on the clue or on any of its reports;
   *  - the reporter of none of its reports is the viewer or a 近亲属 (by ID HMAC);
   *  - no subject is linked to the viewer's person or a 近亲属's;
   *  - no free-text subject bears a 近亲属's full name, unless a leader cleared it on the clue.
   */
  inScope<T extends object>(qb: SelectQueryBuilder<T>, viewer: MatterViewer, alias = 'c'): SelectQueryBuilder<T> {
    if (!SCOPE_PREFIX.test(viewer.scopePrefix)) throw new Error('malformed scope prefix');
    qb.andWhere(`${alias}.region_code LIKE :mvScope`, { mvScope: `${viewer.scopePrefix}%` }).andWhere(`${alias}.merged_into_id IS NULL`);
    const v = viewer.recusal;
    if (!v) return qb;
    if (!Number.isSafeInteger(v.userId)) throw new Error('recusal viewer without a user id');
    const reportsOf = `SELECT mv_cr.report_id FROM clue_reports mv_cr WHERE mv_cr.clue_id = ${alias}.id`;
    qb.andWhere(`NOT EXISTS (SELECT 1 FROM clue_recusals mv_d WHERE mv_d.clue_id = ${alias}.id AND mv_d.user_id = :mvUser AND mv_d.kind IN ('declared', 'ordered'))`, { mvUser: v.userId });
    qb.andWhere(`NOT EXISTS (SELECT 1 FROM recusals mv_rd WHERE mv_rd.user_id = :mvUser AND mv_rd.kind IN ('declared', 'ordered') AND mv_rd.report_id IN (${reportsOf}))`);
    if (v.personId === null) return qb;
    if (!Number.isSafeInteger(v.personId)) throw new Error('malformed person id');
    const fwd = v.kinTypes.length ? [...v.kinTypes] : ['-'];
    const rev = reverseKinTypes(v.kinTypes);
    const relatives =
      `SELECT mv_k1.relative_person_id FROM kin_relations mv_k1 WHERE mv_k1.person_id = :mvPerson AND mv_k1.type IN (:...mvFwd) ` +
      `UNION SELECT mv_k2.person_id FROM kin_relations mv_k2 WHERE mv_k2.relative_person_id = :mvPerson AND mv_k2.type IN (:...mvRev)`;
    qb.setParameters({ mvPerson: v.personId, mvFwd: fwd, mvRev: rev.length ? rev : ['-'] });
    qb.andWhere(
      `NOT EXISTS (SELECT 1 FROM reporter_identities mv_ri JOIN persons mv_p ON mv_p.id_hmac = mv_ri.id_hmac ` +
        `WHERE mv_ri.report_id IN (${reportsOf}) AND (mv_p.id = :mvPerson OR mv_p.id IN (${relatives})))`,
    );
    qb.andWhere(`NOT EXISTS (SELECT 1 FROM clue_subjects mv_s WHERE mv_s.clue_id = ${alias}.id AND (mv_s.person_id = :mvPerson OR mv_s.person_id IN (${relatives})))`);
    qb.andWhere(
      `NOT EXISTS (SELECT 1 FROM clue_subjects mv_sn JOIN persons mv_sp ON mv_sp.name = mv_sn.name WHERE mv_sn.clue_id = ${alias}.id AND mv_sn.person_id IS NULL AND mv_sp.id IN (${relatives}) ` +
        `AND NOT EXISTS (SELECT 1 FROM clue_recusals mv_c WHERE mv_c.clue_id = ${alias}.id AND mv_c.user_id = :mvUser AND mv_c.kind = 'cleared'))`,
    );
    return qb;
  }
}
