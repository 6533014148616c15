import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The answer a write gave to its first request with an Idempotency-Key. Declared so that
 * `migration:generate` stays quiet; the store reads and writes it with plain SQL.
 */
@Entity('idempotency_keys')
@Index('IDX_idempotency_keys_expires_at', ['expires_at'])
export class IdempotencyRecord {
  @PrimaryColumn({
    type: 'integer',
    primaryKeyConstraintName: 'PK_idempotency_keys',
  })
  user_id: number;

  @PrimaryColumn({
    type: 'varchar',
    length: 255,
    primaryKeyConstraintName: 'PK_idempotency_keys',
  })
  key: string;

  /** SHA-256 of the method, path and body: a reuse for another request is refused. */
  @Column({ type: 'char', length: 64 })
  fingerprint: string;

  @Column({ type: 'smallint' })
  status: number;

  /** The JSON body as it was sent (problem details without their request id). */
  @Column({ type: 'text' })
  body: string;

  @Column({ type: 'timestamptz' })
  expires_at: Date;
}
