import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { Command, InvalidatesCache } from 'nestjs-cqrs-lite';
import { ID_MESSAGE, ID_PATTERN } from '../../common/identifiers.js';

/** Registers a new user. Fails with `UserAlreadyExistsError` if the id is taken. */
// Invalidates after the transaction committed: the cache step is outside the command's middleware.
@InvalidatesCache((command: RegisterUser) => [`user:${command.userId}`])
export class RegisterUser extends Command {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  userId!: string;

  @ApiProperty({ example: 'alice@example.com' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'Alice' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}
