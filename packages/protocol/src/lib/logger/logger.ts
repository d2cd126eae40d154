/**
 * The one logger every Tessera package takes (policy engines, carriers,
 * modules). `data` holds structured fields; keep secrets out of it.
 */
export interface Logger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}
