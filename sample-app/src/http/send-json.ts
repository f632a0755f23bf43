import type { ServerResponse } from 'node:http';

/** Writes a JSON response without depending on Express's response helpers. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}
