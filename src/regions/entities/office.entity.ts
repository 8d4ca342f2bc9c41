import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 纪委监委 of one region: owns the reports of that region and of regions below it that have no office. */
@Entity({ name: 'offices' })
export class Office {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'region_code', type: 'varchar', length: 12, unique: true })
  regionCode: string;

  @Column({ name: 'region_level', type: 'integer' })
  regionLevel: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
