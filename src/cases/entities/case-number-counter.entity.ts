import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The last case sequence used per (county, year); locked FOR UPDATE in the filing transaction. */
@Entity({ name: 'case_number_counters' })
@Index('uq_case_number_counters', ['countyCode', 'year'], { unique: true })
export class CaseNumberCounter {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'county_code', type: 'varchar', length: 6 })
  countyCode: string;

  @Column({ type: 'integer' })
  year: number;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq: number;
}
