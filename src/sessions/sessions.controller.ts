import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth';
import {
  ApiAuthenticatedRouteProblems,
  ApiProblemResponses,
  BODY_PROBLEMS,
  COMPRESSED_BODY,
  MALFORMED_PATH,
} from '../common/api-problem-responses.decorator';
import { IdempotencyKey } from '../idempotency/idempotency-key.decorator';
import type { IdempotentRequest } from '../idempotency/idempotency.store';
import {
  Idempotent,
  IDEMPOTENCY_PROBLEMS,
} from '../idempotency/idempotent.decorator';
import { CreateSessionDto } from './dto/create-session.dto';
import { DetailResponse } from './dto/detail.response';
import { RenameSessionDto } from './dto/rename-session.dto';
import { Session } from './session.entity';
import {
  CachedPerUser,
  SessionCacheInterceptor,
} from './session-cache.interceptor';
import {
  ACTIVE_DELETION,
  CONCURRENT_CHANGE,
  EXAMPLE_TITLE,
  INVALID_TITLE,
  LIMIT_REACHED,
  NO_ACTIVE_SESSION,
  NO_SUCH_TITLE,
  TITLE_PARAM,
  TITLE_TAKEN,
} from './sessions.api-docs';
import { SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@ApiAuthenticatedRouteProblems()
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @UseInterceptors(SessionCacheInterceptor)
  @CachedPerUser('list')
  @ApiOperation({ summary: "List the caller's sessions, oldest first" })
  @ApiOkResponse({ description: "The caller's sessions", type: [Session] })
  @ApiProblemResponses(COMPRESSED_BODY)
  list(@CurrentUser() user: AuthenticatedUser): Promise<Session[]> {
    return this.sessions.list(user.id);
  }

  @Get('active')
  @UseInterceptors(SessionCacheInterceptor)
  @CachedPerUser('active')
  @ApiOperation({ summary: 'Get the id of the active session' })
  @ApiOkResponse({
    description: 'The active session id, as a JSON string',
    schema: {
      type: 'string',
      format: 'uuid',
      example: '550e8400-e29b-41d4-a716-446655440000',
    },
  })
  @ApiProblemResponses(COMPRESSED_BODY, NO_ACTIVE_SESSION)
  activeSessionId(@CurrentUser() user: AuthenticatedUser): Promise<string> {
    return this.sessions.activeSessionId(user.id);
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @Idempotent()
  @ApiOperation({ summary: 'Create a session; it becomes the active one' })
  @ApiCreatedResponse({ description: 'The new, active session', type: Session })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    ...IDEMPOTENCY_PROBLEMS,
    INVALID_TITLE,
    TITLE_TAKEN,
    LIMIT_REACHED,
    CONCURRENT_CHANGE,
  )
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateSessionDto,
    @IdempotencyKey() idempotent?: IdempotentRequest,
  ): Promise<Session> {
    return this.sessions.create(user.id, body.title, idempotent);
  }

  @Post('deactivate')
  @HttpCode(HttpStatus.OK)
  @Idempotent()
  @ApiOperation({
    summary: 'Deactivate the active session; afterwards none is active',
  })
  @ApiOkResponse({
    description: 'The session was deactivated',
    type: DetailResponse,
    example: { detail: `'${EXAMPLE_TITLE}' deactivated for user_id=1` },
  })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    NO_ACTIVE_SESSION,
    ...IDEMPOTENCY_PROBLEMS,
  )
  deactivate(
    @CurrentUser() user: AuthenticatedUser,
    @IdempotencyKey() idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    return this.sessions.deactivate(user.id, idempotent);
  }

  @Post('active/:title')
  @HttpCode(HttpStatus.OK)
  @Idempotent()
  @ApiOperation({ summary: 'Make a session the active one (idempotent)' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({
    description: 'The session is now active',
    type: DetailResponse,
  })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    ...IDEMPOTENCY_PROBLEMS,
    MALFORMED_PATH,
    NO_SUCH_TITLE,
    CONCURRENT_CHANGE,
  )
  activate(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
    @IdempotencyKey() idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    return this.sessions.activateByTitle(user.id, title, idempotent);
  }

  @Patch(':title')
  @Idempotent()
  @ApiOperation({ summary: 'Rename a session; its id and active flag stay' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({ description: 'The renamed session', type: Session })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    ...IDEMPOTENCY_PROBLEMS,
    MALFORMED_PATH,
    INVALID_TITLE,
    NO_SUCH_TITLE,
    TITLE_TAKEN,
    CONCURRENT_CHANGE,
  )
  rename(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
    @Body() body: RenameSessionDto,
    @IdempotencyKey() idempotent?: IdempotentRequest,
  ): Promise<Session> {
    return this.sessions.rename(user.id, title, body.title, idempotent);
  }

  @Delete(':title')
  @Idempotent()
  @ApiOperation({ summary: 'Delete an inactive session' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({
    description: 'The session was deleted',
    type: DetailResponse,
    example: { detail: 'Session deleted successfully' },
  })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    ...IDEMPOTENCY_PROBLEMS,
    MALFORMED_PATH,
    ACTIVE_DELETION,
    NO_SUCH_TITLE,
  )
  remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
    @IdempotencyKey() idempotent?: IdempotentRequest,
  ): Promise<DetailResponse> {
    return this.sessions.deleteByTitle(user.id, title, idempotent);
  }
}
