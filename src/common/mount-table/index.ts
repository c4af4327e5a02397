// The mount table: parsing (Linux mountinfo, BSD/macOS `mount`), scope, covered mounts, servers, autofs.
// Pure functions over strings and bytes: no Node, DOM or Electron imports (usable in every layer).
export { parseMountinfo, parseMountinfoLine } from './mountinfo.js';
export { parseBsdMount, parseBsdMountLine, bsdMountedBy } from './bsd.js';
export { unescapeOctal, escapeForDisplay } from './escapes.js';
export { decodeUtf8Lossless, encodeUtf8Lossless, hasEscapedBytes } from './utf8.js';
export { splitOptions, optionValue, hasOption } from './options.js';
export { globToRegExp, matchGlob } from './glob.js';
export { findCovered, type CoveredMount } from './covered.js';
export {
  selectMounts,
  isPseudoFstype,
  PSEUDO_FSTYPES,
  AUTOFS_FSTYPE,
  type ScopeOptions,
  type MountSelection,
  type ExcludedMount,
  type ExclusionReason,
} from './scope.js';
export { serverOf, groupByServer } from './server.js';
export {
  describeAutofs,
  parseAutofsOptions,
  autofsMapName,
  automountParentOf,
  isAutomounted,
  isAutofs,
  indexById,
  type AutofsMount,
  type AutofsOptions,
  type AutofsType,
} from './autofs.js';
