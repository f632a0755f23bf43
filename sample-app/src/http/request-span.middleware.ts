import { Injectable, type NestMiddleware } from '@nestjs/common';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';

interface Request {
  method: string;
  originalUrl: string;
}
interface Response {
  statusCode: number;
  on(event: 'finish', listener: () => void): void;
}

/** One SERVER span per HTTP request: the root of the trace of everything the request dispatches. */
@Injectable()
export class RequestSpanMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: () => void): void {
    const tracer = trace.getTracer('http');
    const span = tracer.startSpan(`${req.method} ${req.originalUrl}`, { kind: SpanKind.SERVER });
    res.on('finish', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  }
}
