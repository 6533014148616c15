import { ApiProperty } from '@nestjs/swagger';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';

/**
 * Property names match the table's columns and the JSON the FastAPI service's clients
 * read, so an entity is its own response body: no mapping layer, no renaming.
 */
@Entity('sessions')
@Unique('UQ_sessions_user_id_title', ['user_id', 'title'])
@Index('UQ_sessions_active_user_id', ['user_id'], {
  unique: true,
  where: '"active"',
})
export class Session {
  @ApiProperty({
    format: 'uuid',
    example: '550e8400-e29b-41d4-a716-446655440000',
  })
  @PrimaryGeneratedColumn('uuid', {
    primaryKeyConstraintName: 'PK_sessions_id',
  })
  id: string;

  @ApiProperty({ example: 1, minimum: 1, maximum: 2147483647 })
  @Column({ type: 'integer' })
  user_id: number;

  @ApiProperty({
    example: 'Data Analysis Project',
    minLength: 1,
    maxLength: 255,
  })
  @Column({ type: 'varchar' })
  title: string;

  @ApiProperty({ example: true })
  @Column({ type: 'boolean', default: false })
  active: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T09:30:00.000Z' })
  @CreateDateColumn({ type: 'timestamptz' })
  created_at: Date;

  @ApiProperty({ format: 'date-time', example: '2026-11-28T09:30:00.000Z' })
  @UpdateDateColumn({ type: 'timestamptz' })
  updated_at: Date;
}
