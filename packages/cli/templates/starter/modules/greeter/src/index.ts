import { defineModule } from '@tessera/sdk';

/** What other modules (and `tessera call`) may call on greeter, as far as the policy grants it. */
export interface GreeterApi {
  hello(name: string): string;
  setGreeting(greeting: string): true;
}

export default defineModule<GreeterApi>({
  name: 'greeter', // = "tessera.name" in package.json
  methods: ['hello', 'setGreeting'], // only these are callable
  create(ctx) {
    let greeting = 'Hello';
    return {
      hello(name) {
        ctx.log.info(`greeting ${name}`);
        return `${greeting}, ${name}!`;
      },
      setGreeting(value) {
        greeting = value;
        return true;
      },
    };
  },
});
