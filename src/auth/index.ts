export { AuthModule } from './auth.module';
export type { AuthenticatedUser } from './authenticated-user';
export { CurrentUser } from './current-user.decorator';
export { Public } from './public.decorator';
export { MAX_USER_ID } from './user-id';
