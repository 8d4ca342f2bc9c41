import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small key/value facts about this installation (e.g. that the division codes are loaded). */
@Entity({ name: 'app_settings' })
export class AppSetting {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
