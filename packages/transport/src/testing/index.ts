export { contractHandler, serveContract } from './contract-service';
export {
  describeTransportContract,
  type ContractHarness,
  type ContractServer,
} from './transport-contract';
export { describeChannelAuthContract } from './channel-auth-contract';
