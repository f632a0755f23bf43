import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { CommandBus, QueryBus, type DispatchOptions } from 'nestjs-cqrs-lite';
import { MessageOptions } from '../http/dispatch-options.decorator.js';
import { RegisterUser } from './commands/register-user.command.js';
import { GetUserProfile, type UserProfile } from './queries/get-user-profile.query.js';

/**
 * HTTP in, messages out: builds a command or query from the request and sends it with the
 * request's correlation id and headers. No rules live here; validation, the API key and
 * transactions are bus middleware, and errors become statuses in the exception filters.
 */
@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queryBus: QueryBus,
  ) {}

  @Post()
  @ApiHeader({ name: 'x-api-key', required: true })
  @ApiBody({ type: RegisterUser })
  async register(
    @Body() body: Partial<RegisterUser> | undefined,
    @MessageOptions() options: DispatchOptions,
  ): Promise<{ userId: string }> {
    // Copy the known fields only: unknown keys never reach the command.
    const command = plainToInstance(RegisterUser, {
      userId: body?.userId,
      email: body?.email,
      name: body?.name,
    });
    await this.commandBus.dispatch(command, options);
    return { userId: command.userId };
  }

  @Get(':userId')
  profile(@Param('userId') userId: string, @MessageOptions() options: DispatchOptions): Promise<UserProfile> {
    return this.queryBus.ask(new GetUserProfile(userId), options);
  }
}
