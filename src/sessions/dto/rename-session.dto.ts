import { ApiProperty } from '@nestjs/swagger';
import { IsSessionTitle, MAX_TITLE_LENGTH } from './is-session-title.decorator';

export class RenameSessionDto {
  @ApiProperty({
    description: 'The new title; the same rules as on creation.',
    minLength: 1,
    maxLength: MAX_TITLE_LENGTH,
    example: 'Quarterly report',
  })
  @IsSessionTitle()
  title: string;
}
