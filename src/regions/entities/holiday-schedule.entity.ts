import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One day of an official holiday schedule loaded by an administrator for a year the calendar package does not cover. */
@Entity({ name: 'holiday_schedule_days' })
export class HolidayScheduleDay {
  @PrimaryColumn({ type: 'varchar', length: 10 })
  date: string;

  @Column({ type: 'integer' })
  year: number;

  /** `holiday` (rest day on a weekday) or `workday` (调休 make-up working day on a weekend). */
  @Column({ type: 'varchar', length: 10 })
  kind: 'holiday' | 'workday';

  @Column({ type: 'varchar', length: 50, default: '' })
  name: string;
}
