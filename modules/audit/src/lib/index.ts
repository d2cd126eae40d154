export * from './event-log';
export * from './try-tamper';
