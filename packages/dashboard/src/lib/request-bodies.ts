import type { ApproveOptions } from '@tessera/capability';
import { DashboardRefusal } from './http-errors';

const bad = (message: string): DashboardRefusal =>
  new DashboardRefusal(400, 'INVALID_ARGUMENT', message);

function obj(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw bad('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function str(o: Record<string, unknown>, key: string, required: true): string;
function str(o: Record<string, unknown>, key: string, required?: false): string | undefined;
function str(o: Record<string, unknown>, key: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined || v === '') {
    if (required) throw bad(`'${key}' is required`);
    return undefined;
  }
  if (typeof v !== 'string' || v.length > 500) throw bad(`'${key}' must be a short string`);
  return v;
}

function seconds(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === '' || v === null) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw bad(`'${key}' must be a whole number of seconds > 0`);
  return n;
}

/** `POST /api/approve`: `{id, code?, methods?, ttlSeconds?, rememberForSeconds?}`. */
export function approveBody(body: unknown): { id: string; options: ApproveOptions } {
  const o = obj(body);
  const id = str(o, 'id', true);
  const options: ApproveOptions = {};
  const code = str(o, 'code');
  if (code !== undefined) options.code = code;
  if (o['methods'] !== undefined) {
    const m = o['methods'];
    if (
      !Array.isArray(m) ||
      m.length === 0 ||
      m.length > 64 ||
      m.some((x) => typeof x !== 'string')
    )
      throw bad("'methods' must be a non-empty list of method names");
    options.methods = m as string[];
  }
  const ttl = seconds(o, 'ttlSeconds');
  if (ttl !== undefined) options.ttlSeconds = ttl;
  const remember = seconds(o, 'rememberForSeconds');
  if (remember !== undefined) options.rememberForSeconds = remember;
  return { id, options };
}

/** `POST /api/deny`: `{id, reason?}`. */
export function denyBody(body: unknown): { id: string; reason: string | undefined } {
  const o = obj(body);
  return { id: str(o, 'id', true), reason: str(o, 'reason') };
}

/** `POST /api/revoke`: `{caller, target, reason?}`. */
export function revokeBody(body: unknown): {
  caller: string;
  target: string;
  reason: string | undefined;
} {
  const o = obj(body);
  return {
    caller: str(o, 'caller', true),
    target: str(o, 'target', true),
    reason: str(o, 'reason'),
  };
}

const ACTIONS = ['load', 'unload', 'restart'] as const;

/** `POST /api/module`: `{action: load|unload|restart, name}`. */
export function moduleBody(body: unknown): { action: (typeof ACTIONS)[number]; name: string } {
  const o = obj(body);
  const action = str(o, 'action', true);
  if (!(ACTIONS as readonly string[]).includes(action))
    throw bad(`'action' is one of ${ACTIONS.join(', ')}`);
  return { action: action as (typeof ACTIONS)[number], name: str(o, 'name', true) };
}

/** `POST /api/policy/eval`: `{input}`, checked by the core. */
export function evalBody(body: unknown): unknown {
  return obj(body)['input'];
}
