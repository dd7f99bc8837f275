// Module resolve hook for the isolation test: fails the import of any module that resolves into
// the package named by SWITCHYARD_DENY (`fastify` or `express`), naming what asked for it. The
// hooks run on their own thread, so failing the import is how they report back.
const denied = process.env.SWITCHYARD_DENY;
const inside = denied ? new RegExp(`[\\\\/]node_modules[\\\\/](\\.pnpm[\\\\/])?${denied}[@\\\\/]`) : undefined;

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (inside?.test(result.url))
    throw new Error(`denied: ${denied} loaded (${specifier} from ${context.parentURL ?? 'the entry point'})`);
  return result;
}
