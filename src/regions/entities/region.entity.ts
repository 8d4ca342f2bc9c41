import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A statistical division (统计用区划代码, 2023 edition): always 12 digits with its level (1 province … 5 village). */
@Entity({ name: 'regions' })
@Index('idx_regions_parent', ['parentCode'])
export class Region {
  @PrimaryColumn({ type: 'varchar', length: 12 })
  code: string;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** 1 province, 2 city, 3 county, 4 township, 5 village. */
  @Column({ type: 'integer' })
  level: number;

  @Column({ name: 'parent_code', type: 'varchar', length: 12, nullable: true })
  parentCode: string | null;
}
