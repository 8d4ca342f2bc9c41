import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { shanghaiDate } from '../regions/working-days.js';
import type { Clue } from '../clues/entities/clue.entity.js';
import { CaseNumberCounter } from './entities/case-number-counter.entity.js';
import { Case } from './entities/case.entity.js';

/** `430421-2026-0007`: county code, year of filing (Asia/Shanghai), sequence (at least 4 digits). */
export function formatCaseNumber(countyCode: string, year: number, seq: number): string {
  return `${countyCode}-${year}-${String(seq).padStart(4, '0')}`;
}

/**
 * Case numbers (立案编号), unique per county and year and gap-free across instances: the sequence is
 * the `case_number_counters` row of (county, year), locked FOR UPDATE inside the filing transaction
 * and incremented there — a rolled-back filing gives its number back, so none is skipped.
 */
@Injectable()
export class CaseNumberService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Files the case of `clue` in the caller's transaction: takes the next number and inserts the `Case`.
   * @returns the saved case (number `countyCode-year-seq`).
   */
  async fileCase(m: EntityManager, clue: Clue, input: { proposedByUserId: number | null; approvedByUserId: number | null; at: Date }): Promise<Case> {
    const countyCode = clue.regionCode.slice(0, 6);
    const year = Number(shanghaiDate(input.at).slice(0, 4));
    const seq = await this.nextSeq(m, countyCode, year);
    return m.getRepository(Case).save(
      m.getRepository(Case).create({
        clueId: clue.id,
        caseNumber: formatCaseNumber(countyCode, year, seq),
        countyCode,
        year,
        seq,
        filedAt: input.at,
        proposedByUserId: input.proposedByUserId,
        approvedByUserId: input.approvedByUserId,
        coHandlerUserId: null,
        announcedOn: null,
        closedAt: null,
      }),
    );
  }

  /** The next sequence of (county, year), counter row locked until the caller's transaction ends. */
  private async nextSeq(m: EntityManager, countyCode: string, year: number): Promise<number> {
    const mysql = m.connection.options.type === 'mysql';
    if ((await m.getRepository(CaseNumberCounter).count({ where: { countyCode, year } })) === 0) {
      // Created outside the filing transaction (autocommit, own connection on MySQL) so concurrent
      // first filings of a year never hold shared locks on the new row and deadlock upgrading them.
      // On SQLite the one writer connection is already inside this transaction: insert there.
      if (mysql) await this.ds.query('INSERT IGNORE INTO `case_number_counters` (`county_code`, `year`, `last_seq`) VALUES (?, ?, 0)', [countyCode, year]);
      else await m.query('INSERT OR IGNORE INTO "case_number_counters" ("county_code", "year", "last_seq") VALUES (?, ?, 0)', [countyCode, year]);
    }
    const qb = m.getRepository(CaseNumberCounter).createQueryBuilder('k').where('k.county_code = :countyCode AND k.year = :year', { countyCode, year });
    if (mysql) qb.setLock('pessimistic_write');
    const counter = await qb.getOneOrFail();
    counter.lastSeq += 1;
    await m.getRepository(CaseNumberCounter).update({ id: counter.id }, { lastSeq: counter.lastSeq });
    return counter.lastSeq;
  }
}
