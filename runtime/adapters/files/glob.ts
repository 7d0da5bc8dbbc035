/**
 * A file-name glob as a RegExp: `*` any run of characters, `?` one, `[abc]` / `[!abc]` a class,
 * `{csv,txt}` alternatives; everything else literal. Names only (no `/`); a name starting with a dot
 * (a file being written: FileSink's temporary names) never matches.
 */
export function globPattern(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        const negated = body.startsWith('!');
        if (negated) body = body.slice(1);
        out += `[${negated ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      }
    } else if (ch === '{') {
      braces++;
      out += '(?:';
    } else if (ch === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (ch === ',' && braces > 0) out += '|';
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  out += ')'.repeat(braces);
  return new RegExp(`^(?!\\.)${out}$`);
}
