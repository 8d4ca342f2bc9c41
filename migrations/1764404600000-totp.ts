import { Table, TableForeignKey, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { col } from './schema-helpers.js';

/**
 * Issue 3: the staff second factor — one TOTP credential per user (secret encrypted, last used time
 * step against replay) and the user's single-use recovery codes (HMACs only). Two new tables; no
 * existing table is altered.
 */
export class Totp1764404600000 implements MigrationInterface {
  name = 'Totp1764404600000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'totp_credentials',
        columns: [
          { ...col.int('user_id'), isPrimary: true },
          col.text('secret_ciphertext'),
          col.datetime('enabled_at', { isNullable: true }),
          col.bigint('last_used_step', { isNullable: true }),
          col.datetime('created_at'),
          col.datetime('updated_at'),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_totp_credentials_user_id', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'recovery_codes',
        columns: [col.id(), col.int('user_id'), col.varchar('code_hash', 64), col.datetime('used_at', { isNullable: true }), col.datetime('created_at')],
        indices: [new TableIndex({ name: 'uq_recovery_codes_hash', columnNames: ['code_hash'], isUnique: true }), new TableIndex({ name: 'idx_recovery_codes_user', columnNames: ['user_id'] })],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_recovery_codes_user_id', columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('recovery_codes');
    await q.dropTable('totp_credentials');
  }
}
