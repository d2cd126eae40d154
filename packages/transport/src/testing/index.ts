export * from './contract-service';
export * from './transport-contract';
