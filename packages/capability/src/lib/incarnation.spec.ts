import { ErrorCode, TesseraError } from '@tessera/protocol';
import { codeOf } from '@tessera/protocol/testing';
import { StaticPolicyEngine } from '@tessera/policy/testing';
import type { GrantInfo } from '@tessera/token-manager';
import { CapabilityModule } from './capability-module';
import type { GrantDelivery } from './grant-delivery';

const facts = (name: string) => ({ name, provides: {}, requires: [] });

describe("the target's incarnation", () => {
  const engine = () => new StaticPolicyEngine([{ caller: 'a', target: 'b', methods: ['x'] }]);
  const delivery = (inform: (info: GrantInfo) => void): GrantDelivery => ({
    informTarget: async (_t, _token, info) => inform(info),
    revokeAtTarget: async () => undefined,
    narrowAtTarget: async () => undefined,
    narrowAtCaller: async () => undefined,
    dropAtCaller: async () => undefined,
  });

  it('travels from the request to the target, the live grant and the reply', async () => {
    const informed: GrantInfo[] = [];
    const cap = new CapabilityModule(
      engine(),
      delivery((i) => informed.push(i)),
      {
        sweepIntervalMs: 0,
      },
    );
    const issued = await cap.requestModule({
      subject: facts('a'),
      target: facts('b'),
      targetIncarnation: 3,
    });
    expect(issued.incarnation).toBe(3);
    expect(informed.map((i) => i.incarnation)).toEqual([3]);
    expect(cap.grants().map((g) => g.incarnation)).toEqual([3]);
    await cap.close();
  });

  it("passes on the target's refusal of a grant minted for another incarnation", async () => {
    const cap = new CapabilityModule(
      engine(),
      delivery(() => {
        throw TesseraError.unauthenticated('token was minted for another incarnation of b');
      }),
      { sweepIntervalMs: 0 },
    );
    const pending = cap.requestModule({
      subject: facts('a'),
      target: facts('b'),
      targetIncarnation: 1,
    });
    expect(await codeOf(pending)).toBe(ErrorCode.UNAVAILABLE);
    await expect(pending).rejects.toThrow(
      "module 'b' did not acknowledge the grant: token was minted for another incarnation of b",
    );
    expect(cap.grants()).toEqual([]);
    await cap.close();
  });
});
