import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
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
  ProblemCase,
} from '../common/api-problem-responses.decorator';
import { RequestValidationError } from '../common/request-validation.error';
import { CreateSessionDto } from './dto/create-session.dto';
import { DetailResponse } from './dto/detail.response';
import { RenameSessionDto } from './dto/rename-session.dto';
import { Session } from './session.entity';
import {
  activeSessionIdPolicy,
  sessionListPolicy,
} from './sessions.cache-policies';
import {
  ActiveSessionDeletionError,
  NoActiveSessionError,
  SessionConflictError,
  SessionLimitReachedError,
  SessionNotFoundError,
  SessionTitleTakenError,
} from './sessions.errors';
import { SessionsService } from './sessions.service';
import { SessionCache } from './session-cache.service';

const TITLE_PARAM = {
  name: 'title',
  description:
    'The session title as one percent-encoded path segment (`a%2Fb` is the title `a/b`)',
  example: 'Data Analysis Project',
};

const EXAMPLE_TITLE = 'Data Analysis Project';

const NO_ACTIVE_SESSION: ProblemCase = {
  name: 'active-session-not-found',
  description: 'No session is active',
  error: new NoActiveSessionError(1),
};
const NO_SUCH_TITLE: ProblemCase = {
  name: 'session-not-found',
  description: 'No session has this title',
  error: new SessionNotFoundError(1, EXAMPLE_TITLE),
};
const TITLE_TAKEN: ProblemCase = {
  name: 'session-title-taken',
  description: 'Another session of the caller has this title',
  error: new SessionTitleTakenError(1, EXAMPLE_TITLE),
};
const CONCURRENT_CHANGE: ProblemCase = {
  name: 'session-conflict',
  description: 'A concurrent change won; safe to retry',
  error: new SessionConflictError(1),
};
const INVALID_TITLE: ProblemCase = {
  name: 'validation-failed',
  description: 'The title is invalid',
  error: new RequestValidationError([
    { field: 'title', message: 'title must be 1 to 255 characters long' },
  ]),
};

@ApiTags('sessions')
@ApiBearerAuth()
@ApiAuthenticatedRouteProblems()
@Controller('sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly cache: SessionCache,
  ) {}

  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: "List the caller's sessions, oldest first" })
  @ApiOkResponse({ description: "The caller's sessions", type: [Session] })
  @ApiProblemResponses(COMPRESSED_BODY)
  list(@CurrentUser() user: AuthenticatedUser): Promise<Session[] | string> {
    return this.cache.readThrough(sessionListPolicy, user.id, () =>
      this.sessions.list(user.id),
    );
  }

  @Get('active')
  @Header('Content-Type', 'application/json; charset=utf-8')
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
    return this.cache.readThrough(activeSessionIdPolicy, user.id, async () =>
      JSON.stringify(await this.sessions.activeSessionId(user.id)),
    );
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a session; it becomes the active one' })
  @ApiCreatedResponse({ description: 'The new, active session', type: Session })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    INVALID_TITLE,
    TITLE_TAKEN,
    {
      name: 'session-limit-reached',
      description: 'The caller already holds MAX_SESSIONS_PER_USER sessions',
      error: new SessionLimitReachedError(1, 1000),
    },
    CONCURRENT_CHANGE,
  )
  create(
    @CurrentUser() user: AuthenticatedUser,
    @Body() body: CreateSessionDto,
  ): Promise<Session> {
    return this.sessions.create(user.id, body.title);
  }

  @Post('deactivate')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Deactivate the active session; afterwards none is active',
  })
  @ApiOkResponse({
    description: 'The session was deactivated',
    type: DetailResponse,
    example: { detail: `'${EXAMPLE_TITLE}' deactivated for user_id=1` },
  })
  @ApiProblemResponses(...BODY_PROBLEMS, NO_ACTIVE_SESSION)
  async deactivate(
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<DetailResponse> {
    const session = await this.sessions.deactivate(user.id);
    return { detail: `'${session.title}' deactivated for user_id=${user.id}` };
  }

  @Post('active/:title')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Make a session the active one (idempotent)' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({
    description: 'The session is now active',
    type: DetailResponse,
  })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    MALFORMED_PATH,
    NO_SUCH_TITLE,
    CONCURRENT_CHANGE,
  )
  async activate(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
  ): Promise<DetailResponse> {
    await this.sessions.activateByTitle(user.id, title);
    return {
      detail: `'${title}' set as active session for user_id=${user.id}`,
    };
  }

  @Patch(':title')
  @ApiOperation({ summary: 'Rename a session; its id and active flag stay' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({ description: 'The renamed session', type: Session })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
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
  ): Promise<Session> {
    return this.sessions.rename(user.id, title, body.title);
  }

  @Delete(':title')
  @ApiOperation({ summary: 'Delete an inactive session' })
  @ApiParam(TITLE_PARAM)
  @ApiOkResponse({
    description: 'The session was deleted',
    type: DetailResponse,
    example: { detail: 'Session deleted successfully' },
  })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    MALFORMED_PATH,
    {
      name: 'active-session-deletion',
      description: 'The session is active',
      error: new ActiveSessionDeletionError(EXAMPLE_TITLE),
    },
    NO_SUCH_TITLE,
  )
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
  ): Promise<DetailResponse> {
    await this.sessions.deleteByTitle(user.id, title);
    return { detail: 'Session deleted successfully' };
  }
}
