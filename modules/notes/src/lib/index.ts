export * from './note';
export * from './notes-service';
