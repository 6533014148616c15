import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FieldError' })
export class FieldErrorDto {
  @ApiProperty({ example: 'title' })
  field: string;

  @ApiProperty({ example: 'title must be 1 to 255 characters long' })
  message: string;
}

/** RFC 9457 problem details, as every error response carries them. */
@ApiSchema({ name: 'ProblemDetails' })
export class ProblemDetailsDto {
  @ApiProperty({
    description:
      'Problem type: `about:blank` for plain HTTP errors, a stable URN otherwise',
    example: 'urn:session-service:problem:session-not-found',
  })
  type: string;

  @ApiProperty({ example: 'Not Found' })
  title: string;

  @ApiProperty({ example: 404 })
  status: number;

  @ApiProperty({ example: "Session with title 'x' not found for user_id=1" })
  detail: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Only on 422' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    description: 'The request id, also sent as the X-Request-Id header',
    example: 'b3c1c7a4-6f3e-4f7e-9a51-0d2f6c1a9e11',
  })
  request_id?: string;
}
