import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** A refusal of the dashboard itself (no session, no CSRF token, a foreign Host): status, code, message. */
export class DashboardRefusal extends Error {
  override readonly name = 'DashboardRefusal';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const STATUS: Record<string, ContentfulStatusCode> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_FOUND: 404,
  FAILED_PRECONDITION: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The JSON error body and status for anything an API route threw (a TesseraError keeps its code). */
export function errorResponse(err: unknown): {
  status: ContentfulStatusCode;
  body: { error: { code: string; message: string } };
} {
  if (err instanceof DashboardRefusal)
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  const code = (err as { code?: unknown } | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code))
    return { status: STATUS[code] ?? 500, body: { error: { code, message } } };
  return { status: 500, body: { error: { code: 'INTERNAL', message } } };
}
