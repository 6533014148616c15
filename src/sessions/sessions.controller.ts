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
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { CurrentUser, type AuthenticatedUser } from '../auth';
import { ProblemDetailsDto } from '../common/problem-details.dto';
import { CreateSessionDto } from './dto/create-session.dto';
import { DetailResponse } from './dto/detail.response';
import { RenameSessionDto } from './dto/rename-session.dto';
import { Session } from './session.entity';
import {
  CachedPerUser,
  UserCacheInterceptor,
} from './session-cache.interceptor';
import {
  activeSessionIdPolicy,
  sessionListPolicy,
} from './sessions.cache-policies';
import { SessionsService } from './sessions.service';

const TITLE_PARAM = {
  name: 'title',
  description:
    'The session title as one percent-encoded path segment (`a%2Fb` is the title `a/b`)',
  example: 'Data Analysis Project',
};

@ApiTags('sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({
  description: 'Missing, malformed, expired or otherwise invalid bearer token',
  type: ProblemDetailsDto,
})
@ApiTooManyRequestsResponse({
  description: 'Per-user rate limit exceeded; see Retry-After',
  type: ProblemDetailsDto,
})
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @Header('Content-Type', 'application/json; charset=utf-8')
  @UseInterceptors(UserCacheInterceptor)
  @CachedPerUser(sessionListPolicy)
  @ApiOperation({ summary: "List the caller's sessions, oldest first" })
  @ApiOkResponse({ description: "The caller's sessions", type: [Session] })
  list(@CurrentUser() user: AuthenticatedUser): Promise<Session[]> {
    return this.sessions.list(user.id);
  }

  @Get('active')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @UseInterceptors(UserCacheInterceptor)
  @CachedPerUser(activeSessionIdPolicy)
  @ApiOperation({ summary: 'Get the id of the active session' })
  @ApiOkResponse({
    description: 'The active session id, as a JSON string',
    schema: {
      type: 'string',
      format: 'uuid',
      example: '550e8400-e29b-41d4-a716-446655440000',
    },
  })
  @ApiNotFoundResponse({
    description: 'No session is active',
    type: ProblemDetailsDto,
  })
  async activeSessionId(
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<string> {
    return JSON.stringify(await this.sessions.activeSessionId(user.id));
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a session; it becomes the active one' })
  @ApiCreatedResponse({ description: 'The new, active session', type: Session })
  @ApiBadRequestResponse({
    description: 'The body is not valid JSON',
    type: ProblemDetailsDto,
  })
  @ApiConflictResponse({
    description: 'The title is taken, or the per-user session limit is reached',
    type: ProblemDetailsDto,
  })
  @ApiPayloadTooLargeResponse({
    description: 'The body exceeds 16 KiB',
    type: ProblemDetailsDto,
  })
  @ApiUnsupportedMediaTypeResponse({
    description: 'The body is not application/json',
    type: ProblemDetailsDto,
  })
  @ApiUnprocessableEntityResponse({
    description: 'The title is invalid',
    type: ProblemDetailsDto,
  })
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
  })
  @ApiNotFoundResponse({
    description: 'No session is active',
    type: ProblemDetailsDto,
  })
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
  @ApiBadRequestResponse({
    description: 'The path holds a malformed percent-escape',
    type: ProblemDetailsDto,
  })
  @ApiNotFoundResponse({
    description: 'No session has this title',
    type: ProblemDetailsDto,
  })
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
  @ApiBadRequestResponse({
    description: 'Malformed JSON body or percent-escape',
    type: ProblemDetailsDto,
  })
  @ApiNotFoundResponse({
    description: 'No session has this title',
    type: ProblemDetailsDto,
  })
  @ApiConflictResponse({
    description: 'The new title is taken',
    type: ProblemDetailsDto,
  })
  @ApiPayloadTooLargeResponse({
    description: 'The body exceeds 16 KiB',
    type: ProblemDetailsDto,
  })
  @ApiUnsupportedMediaTypeResponse({
    description: 'The body is not application/json',
    type: ProblemDetailsDto,
  })
  @ApiUnprocessableEntityResponse({
    description: 'The new title is invalid',
    type: ProblemDetailsDto,
  })
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
  })
  @ApiBadRequestResponse({
    description:
      'The session is active, or the path holds a malformed percent-escape',
    type: ProblemDetailsDto,
  })
  @ApiNotFoundResponse({
    description: 'No session has this title',
    type: ProblemDetailsDto,
  })
  async remove(
    @CurrentUser() user: AuthenticatedUser,
    @Param('title') title: string,
  ): Promise<DetailResponse> {
    await this.sessions.deleteByTitle(user.id, title);
    return { detail: 'Session deleted successfully' };
  }
}
