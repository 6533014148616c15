import { ApiProperty } from '@nestjs/swagger';
import { IsSessionTitle, MAX_TITLE_LENGTH } from './is-session-title.decorator';

export class CreateSessionDto {
  @ApiProperty({
    description:
      'Unique per user, case-sensitive, kept exactly as sent. No control characters, not only whitespace.',
    minLength: 1,
    maxLength: MAX_TITLE_LENGTH,
    example: 'Data Analysis Project',
  })
  @IsSessionTitle()
  title: string;
}
