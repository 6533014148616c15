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
  @ApiOperation({ summary: 'Create a session; it becomes the active one' })
  @ApiCreatedResponse({ description: 'The new, active session', type: Session })
  @ApiProblemResponses(
    ...BODY_PROBLEMS,
    INVALID_TITLE,
    TITLE_TAKEN,
    LIMIT_REACHED,
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
    ACTIVE_DELETION,
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
