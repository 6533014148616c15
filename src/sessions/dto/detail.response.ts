import { ApiProperty } from '@nestjs/swagger';

/** The `{"detail": "..."}` body the FastAPI service answered its commands with. */
export class DetailResponse {
  @ApiProperty({
    example: "'Data Analysis Project' set as active session for user_id=1",
  })
  detail: string;
}
