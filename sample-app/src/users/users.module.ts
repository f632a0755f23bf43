import { Module } from '@nestjs/common';
import { GetUserProfileHandler } from './handlers/get-user-profile.handler.js';
import { RegisterUserHandler } from './handlers/register-user.handler.js';
import { UsersController } from './users.controller.js';

/** Users: registration and profiles. */
@Module({
  controllers: [UsersController],
  providers: [RegisterUserHandler, GetUserProfileHandler],
})
export class UsersModule {}
