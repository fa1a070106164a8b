/** Every YAML file below `dir` (manifests, cloud-config, autoinstall...), for differential tests. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export function yamlFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = path.join(dir, name);
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      if (name !== 'node_modules' && name !== '.git') yamlFiles(p, out);
    } else if (/\.(ya?ml|golden\.yml|injected)$|user-data|cloud-config|autoinstall/.test(name) && st.size < 2_000_000) out.push(p);
  }
  return out;
}
