import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

/** Serves the OpenAPI description at `/docs` (UI) and `/docs-json`. */
export function setupDocs(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('nestjs-cqrs-lite sample')
    .setDescription(
      'Users and orders on SQLite, written by command handlers and read from a read model. ' +
        'Writes need the x-api-key header; x-request-id becomes the correlation id.',
    )
    .setVersion('1.0')
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, config));
}
