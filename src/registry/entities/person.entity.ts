import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Anyone the system knows (DESIGN.md §2): officials, their relatives, allowance recipients — and,
 * through the access-control work, staff and identified reporters.
 *
 * The identity number is never stored in clear: `idHmac` (HMAC-SHA256 with the one system-wide key
 * `secrets.idHmacKey` of the normalised 18-character number) is the lookup key where all sources meet,
 * `idCiphertext` (AES-256-GCM `encryptJson`, key `secrets.encryptionKey`, aad `person-id`) is opened
 * only for authorised display, and `idMasked` (`430421********0112`) is shown elsewhere. A person
 * named in a tip-off but not yet identified has all three null.
 */
@Entity({ name: 'persons' })
@Index('uq_persons_id_hmac', ['idHmac'], { unique: true })
@Index('idx_persons_name', ['name'])
@Index('idx_persons_phone_hmac', ['phoneHmac'])
export class Person {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ name: 'id_hmac', type: 'varchar', length: 64, nullable: true })
  idHmac: string | null;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  /** Surname from the name (复姓 recognised), for the matcher's same-surname test. */
  @Column({ type: 'varchar', length: 8, default: '' })
  surname: string;

  /** `YYYY-MM-DD`, from the ID number. */
  @Column({ name: 'birth_date', type: 'varchar', length: 10, nullable: true })
  birthDate: string | null;

  /** `male` / `female`, from the parity of the 17th ID character. */
  @Column({ type: 'varchar', length: 6, nullable: true })
  sex: 'male' | 'female' | null;

  @Column({ name: 'id_ciphertext', type: 'text', nullable: true })
  idCiphertext: string | null;

  @Column({ name: 'id_masked', type: 'varchar', length: 18, nullable: true })
  idMasked: string | null;

  /** HMAC (idHmacKey, `phone:<11 digits>`) of a known mobile number, for the shared-contact signal. */
  @Column({ name: 'phone_hmac', type: 'varchar', length: 64, nullable: true })
  phoneHmac: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;
}

/** Associated data bound to every `Person.idCiphertext` (see `encryptJson`). */
export const PERSON_ID_AAD = 'person-id';
