import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { VerifiedTokenCache } from './verified-token-cache';

/** Every route requires a valid bearer token unless it is marked `@Public()`. */
@Module({
  imports: [PassportModule],
  providers: [
    VerifiedTokenCache,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
})
export class AuthModule {}
