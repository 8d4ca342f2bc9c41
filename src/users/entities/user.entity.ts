import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { booleanFlag } from '../../database/transformers.js';

/** The roles of DESIGN.md §5. `admin` manages users and sees no report content. */
export const ROLES = [
  'intake_officer',
  'case_handler',
  'trial_reviewer',
  'leader',
  'registry_clerk',
  'publisher',
  'auditor',
  'identity_custodian',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** A staff account. Scope is a division code with its level; its prefix is cut by level (DESIGN.md §2). */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  /** Lower-cased in code (MySQL compares with utf8mb4_bin). */
  @Column({ type: 'varchar', length: 64, unique: true })
  username: string;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash: string;

  /** Comma-separated {@link Role}s. */
  @Column({ type: 'varchar', length: 255, default: '' })
  roles: string;

  @Column({ name: 'scope_region_code', type: 'varchar', length: 12 })
  scopeRegionCode: string;

  @Column({ name: 'scope_region_level', type: 'integer' })
  scopeRegionLevel: number;

  /** Prefix of {@link scopeRegionCode} cut by its level (2/4/6/9/12 digits). */
  @Column({ name: 'scope_prefix', type: 'varchar', length: 12 })
  scopePrefix: string;

  @Column({ name: 'must_change_password', type: 'boolean', default: false, transformer: booleanFlag })
  mustChangePassword: boolean;

  @Column({ type: 'boolean', default: true, transformer: booleanFlag })
  active: boolean;

  /** The user's own `Person` (registry), set when they declare their ID number; used for recusal. */
  @Column({ name: 'person_id', type: 'integer', nullable: true })
  personId: number | null;

  /** Bumped on password, role or scope change and deactivation: sessions carrying an older value are refused. */
  @Column({ name: 'session_version', type: 'integer', default: 1 })
  sessionVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  roleList(): Role[] {
    return this.roles ? (this.roles.split(',') as Role[]) : [];
  }

  hasRole(role: Role): boolean {
    return this.roleList().includes(role);
  }
}
