/**
 * Mapping CDKTF construct classes to Terraform block types without loading the provider
 * packages: from the import path (`@cdktf/provider-aws/lib/ssm-maintenance-window` →
 * `aws_ssm_maintenance_window`), from the namespace of the package barrel
 * (`ssmMaintenanceWindow.SsmMaintenanceWindow`), from `cdktf get` bindings
 * (`./.gen/providers/aws/ssm-maintenance-window`), and from the class name with a generated table
 * of the classes whose name does not derive the type (type-table.ts).
 */
import { CLASS_TYPE_EXCEPTIONS, MAP_ATTRIBUTES, MAP_ATTRIBUTES_IN } from './type-table.js';

export interface ConstructKind {
  block: 'resource' | 'data' | 'provider';
  /** Terraform type (`aws_launch_template`), or the provider's local name for providers (`aws`). */
  type: string;
}

export const PROVIDER_PACKAGE = /^@cdktf\/provider-([a-z0-9-]+)(?:\/lib\/([a-z0-9-]+)(?:\/index(?:\.js)?)?)?$/;
/** `cdktf get` bindings: `./.gen/providers/aws/ssm-maintenance-window`, `./imports/aws/provider`. */
export const GENERATED_BINDINGS = /(?:^|\/)(?:\.gen\/providers|imports)\/([a-z0-9-]+)(?:\/lib)?(?:\/([a-z0-9-]+))?(?:\/index(?:\.js)?)?$/;

export function snakeCase(s: string): string {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function kebabOfCamel(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

function prefixOf(provider: string): string {
  return provider.split('-')[0];
}

function fromDir(provider: string, dir: string): ConstructKind {
  const prefix = prefixOf(provider);
  if (dir === 'provider') return { block: 'provider', type: provider };
  if (dir.startsWith(`data-${prefix}-`)) return { block: 'data', type: `${prefix}_${dir.slice(prefix.length + 6).replace(/-/g, '_')}` };
  return { block: 'resource', type: `${prefix}_${dir.replace(/-/g, '_')}` };
}

function fromClass(provider: string, cls: string): ConstructKind | undefined {
  const prefix = prefixOf(provider);
  const Prov = prefix[0].toUpperCase() + prefix.slice(1);
  if (cls === `${Prov}Provider`) return { block: 'provider', type: provider };
  const exc = CLASS_TYPE_EXCEPTIONS[cls];
  if (cls.startsWith(`Data${Prov}`)) return { block: 'data', type: exc ?? `${prefix}_${snakeCase(cls.slice(4 + Prov.length))}` };
  if (!/^[A-Z]/.test(cls)) return undefined;
  return { block: 'resource', type: exc ?? `${prefix}_${snakeCase(cls.startsWith(Prov) ? cls.slice(Prov.length) : cls)}` };
}

/**
 * The construct kind of `new <names.join('.')>(...)` where `names[0]` was imported from
 * `moduleSpec` (as `imported`: a named import's exported name, or '*' for a namespace import).
 */
export function classifyConstruct(moduleSpec: string, imported: string, members: string[]): ConstructKind | undefined {
  const m = PROVIDER_PACKAGE.exec(moduleSpec) ?? GENERATED_BINDINGS.exec(moduleSpec);
  if (!m) return undefined;
  const provider = m[1];
  const path = imported === '*' ? members : [imported, ...members];
  const cls = path[path.length - 1];
  if (m[2]) return fromDir(provider, m[2]);
  // package barrel: `{ ssmMaintenanceWindow }` namespace then the class
  if (path.length >= 2) return fromDir(provider, kebabOfCamel(path[path.length - 2]));
  return cls ? fromClass(provider, cls) : undefined;
}

/** Whether a config property is a map attribute (`tags = {...}`) rather than a nested block. */
export function isMapAttribute(camelName: string, tfType: string): boolean {
  if (MAP_ATTRIBUTES.has(camelName)) return true;
  return MAP_ATTRIBUTES_IN[camelName]?.includes(tfType) ?? false;
}
