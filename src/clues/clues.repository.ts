import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { UserAccess } from '../access/user-access.js';
import { likeEscape } from '../intake/intake.repository.js';
import { Clue } from './entities/clue.entity.js';
import { FINAL_STATUSES } from './matter-transitions.js';
import type { MatterStatus } from './clue-enums.js';

/** Who reads matters: the user's access (src/access; rules of `clues.policy.ts`). */
export interface MatterViewer {
  access: UserAccess;
  /** The action whose rules scope the query (default `read`). */
  action?: string;
  /** Region and roles only: used solely to tell a recused access (audited) from an absent one. */
  ignoreRecusal?: boolean;
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

/**
 * Reads of clues and cases. THE scope condition is {@link CluesRepository.inScope} (region prefix +
 * recusal); every list, count and single read goes through it, so a matter outside scope or recused
 * is simply not found (404) and is left out of lists and counts. The condition is derived from the
 * access policy of clues, so lists, counts and single reads apply the same rules as checks.
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
   * THE scope condition of matters: the `read` rules of the user's access on `Clue`
   * (src/access/policies/clues.policy.ts — region within the scope prefix or a granted prefix, one of
   * the matter roles, not recused) as SQL, plus "not merged into another clue". `ignoreRecusal` only
   * tells a recused access (audited) from an absent one.
   */
  inScope<T extends object>(qb: SelectQueryBuilder<T>, viewer: MatterViewer, alias = 'c'): SelectQueryBuilder<T> {
    qb.andWhere(`${alias}.merged_into_id IS NULL`);
    return viewer.access.scope(qb as SelectQueryBuilder<T & ObjectLiteral>, viewer.action ?? 'read', 'Clue', alias, { ignoreRecusal: viewer.ignoreRecusal });
  }
}
