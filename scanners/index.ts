/**
 * The scanners of a scan, in detection order: the first scanner whose `detect` claims a file
 * parses it. Path-specific formats come before content sniffing, and the catch-alls (YAML by
 * extension, shell by shebang) come last.
 */
import type { Scanner } from '../engine/scanner-api.js';
import { cdktfScanner } from './cdktf/index.js';
import { hclScanner } from './hcl/index.js';
import { systemdScanner } from './systemd/index.js';
import { keyValueScanner } from './keyvalue/index.js';
import { dockerfileScanner } from './dockerfile/index.js';
import { aptScanner } from './apt/index.js';
import { preseedScanner } from './preseed/index.js';
import { mimeScanner } from './mime/index.js';
import { yamlScanner } from './yaml/index.js';
import { shellScanner } from './shell/index.js';

export const allScanners: readonly Scanner[] = [
  // before hcl: it owns 'terraform' parsing (TypeScript sources itself, the rest via hcl) and its link must run before hcl's
  cdktfScanner,
  hclScanner,
  systemdScanner,
  keyValueScanner,
  dockerfileScanner,
  aptScanner,
  preseedScanner,
  mimeScanner,
  yamlScanner,
  shellScanner,
];
