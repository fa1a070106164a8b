/**
 * Dynamic `import()` of a module by its absolute URL (a `--plugin` module, a package resolved by
 * path), for code that the bundled command line also runs. The bundle is a script compiled by
 * cli/bundle-loader.ts, where `import()` has no module loader to go to; scripts/bundle.mjs replaces
 * this module in the bundle by one that calls the loader's own `import()`.
 */
export function importModule(url: string): Promise<unknown> {
  return import(url);
}
