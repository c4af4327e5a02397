// A small glob matcher for mountpoints (--include / --exclude), matched against the FULL path:
//
//   *        any run of characters within one path component (never "/")
//   ?        one character, not "/"
//   [abc]    one of a, b, c; ranges [a-z]; negation [!abc] or [^abc]; never "/"; "]" first is literal
//   **       any run of characters across components. As a whole component it also matches zero components:
//            "/srv/**" matches "/srv" itself and everything below it; "/a/**/b" matches "/a/b" and "/a/x/y/b";
//            "**/cache" matches "/cache" and "/home/bob/cache"
//   \x       the character x literally (so "\*" is a star, "\\" a backslash)
//
// Matching is on the decoded path (after `\ooo` unescaping), per Unicode code point, case-sensitive.
// Newlines in paths are ordinary characters. An unclosed "[" is a literal "[". A trailing "/" is ignored
// ("/srv/" is "/srv"): a mountpoint never ends in one, so such a pattern would otherwise match nothing.

const SYNTAX = new Set(['^', '$', '\\', '.', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '/']);

function lit(ch: string): string {
  return SYNTAX.has(ch) ? '\\' + ch : ch;
}

function classLit(ch: string): string {
  return ch === '\\' || ch === ']' || ch === '[' || ch === '^' || ch === '-' ? '\\' + ch : ch;
}

// What "**" followed by "/" compiles to: zero or more whole components, each followed by "/".
const ANY_DIRS = '(?:[\\s\\S]*/)?';

/** Compiles a glob to an anchored RegExp (u flag, code points). */
function globToRegExp(pattern: string): RegExp {
  const p = Array.from(pattern); // code points
  while (p.length > 1 && p[p.length - 1] === '/' && p[p.length - 2] !== '\\') p.pop();
  let re = '';
  let i = 0;
  while (i < p.length) {
    const c = p[i]!;
    if (c === '\\') {
      re += lit(p[i + 1] ?? '\\');
      i += 2;
    } else if (c === '*') {
      if (p[i + 1] === '*') {
        let j = i;
        while (p[j] === '*') j++;
        const startOfComponent = i === 0 || p[i - 1] === '/';
        const endOfComponent = j === p.length || p[j] === '/';
        if (startOfComponent && endOfComponent) {
          // "**/**" is one globstar: a "**" right after "**/" adds nothing, or (at the end) replaces it.
          const afterGlobstar = re.endsWith(ANY_DIRS);
          if (j < p.length) {
            // "**/" : zero or more whole components followed by "/".
            if (!afterGlobstar) re += ANY_DIRS;
            j++; // consume the "/"
          } else {
            if (afterGlobstar) re = re.slice(0, -ANY_DIRS.length);
            // "/**" at the end: the directory itself or anything below it. Undo the "/" we already emitted.
            if (re.endsWith('\\/')) re = re.slice(0, -2) + '(?:/[\\s\\S]*)?';
            else re += '[\\s\\S]*';
          }
        } else {
          re += '[\\s\\S]*';
        }
        i = j;
      } else {
        re += '[^/]*';
        i++;
      }
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      let j = i + 1;
      let negate = false;
      if (p[j] === '!' || p[j] === '^') {
        negate = true;
        j++;
      }
      const items: string[] = [];
      let first = true;
      let closed = false;
      while (j < p.length) {
        const d = p[j]!;
        if (d === ']' && !first) {
          closed = true;
          break;
        }
        first = false;
        let from = d;
        if (d === '\\' && j + 1 < p.length) from = p[++j]!;
        if (p[j + 1] === '-' && p[j + 2] !== undefined && p[j + 2] !== ']') {
          let to = p[j + 2]!;
          let k = j + 2;
          if (to === '\\' && k + 1 < p.length) to = p[++k]!;
          if (to.codePointAt(0)! >= from.codePointAt(0)!) items.push(classLit(from) + '-' + classLit(to));
          j = k + 1;
        } else {
          items.push(classLit(from));
          j++;
        }
      }
      if (!closed) {
        re += '\\[';
        i++;
        continue;
      }
      const body = items.join('');
      re += negate ? `[^/${body}]` : body === '' ? '(?!)' : `(?!/)[${body}]`;
      i = j + 1;
    } else {
      re += lit(c);
      i++;
    }
  }
  return new RegExp('^' + re + '$', 'u');
}

const cache = new Map<string, RegExp>();

/** True when the whole path matches the glob. Compiled patterns are cached. */
export function matchGlob(pattern: string, path: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = globToRegExp(pattern);
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re.test(path);
}
