/**
 * A DI token that carries the type it resolves to. It is a plain symbol at
 * run time, so tsyringe accepts it; the phantom type lets `resolve` infer `T`.
 */
export type TypedToken<T> = symbol & { readonly __type?: T };

/** Create a typed DI token. The description shows up in DI error messages. */
export function typedToken<T>(description: string): TypedToken<T> {
  return Symbol(`tessera:${description}`) as TypedToken<T>;
}

/** Anything that resolves tokens: tsyringe's container fits. */
export interface Resolver {
  resolve<T>(token: symbol): T;
}

/** Resolve a typed token with its type inferred. */
export function resolveToken<T>(container: Resolver, token: TypedToken<T>): T {
  return container.resolve<T>(token);
}
