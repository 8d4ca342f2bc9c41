import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Household } from './entities/household.entity.js';
import { scopeRange } from './imports/import-helpers.js';

export interface RosterTotals {
  /** Active households in scope. */
  households: number;
  /** Covered persons (member rows) of those households. */
  persons: number;
  /** Sum of the households' monthly amounts in fen — each household once. */
  monthlyAmountFen: number;
}

/** Read models of the roster (totals per scope). */
@Injectable()
export class RegistryService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Totals of the active roster within a region prefix (and programme, when given). */
  async rosterTotals(regionPrefix: string, programme?: string): Promise<RosterTotals> {
    const [lo, hi] = scopeRange(regionPrefix);
    const qb = this.ds
      .getRepository(Household)
      .createQueryBuilder('h')
      .select('COUNT(*)', 'households')
      .addSelect('COALESCE(SUM(h.monthly_amount_fen), 0)', 'amount')
      .where('h.status = :a AND h.region_code >= :lo AND h.region_code <= :hi', { a: 'active', lo, hi });
    if (programme) qb.andWhere('h.programme = :p', { p: programme });
    const row = await qb.getRawOne<{ households: unknown; amount: unknown }>();
    const mq = this.ds
      .getRepository(Household)
      .createQueryBuilder('h')
      .innerJoin('household_members', 'm', 'm.household_id = h.id')
      .select('COUNT(*)', 'n')
      .where('h.status = :a AND h.region_code >= :lo AND h.region_code <= :hi', { a: 'active', lo, hi });
    if (programme) mq.andWhere('h.programme = :p', { p: programme });
    const members = await mq.getRawOne<{ n: unknown }>();
    return { households: Number(row?.households ?? 0), persons: Number(members?.n ?? 0), monthlyAmountFen: Number(row?.amount ?? 0) };
  }
}
