export {
  CONTRACT_SERVER_SCRIPT,
  startChildServer,
  type ChildServer,
  type ChildServerConfig,
} from './child-server';
