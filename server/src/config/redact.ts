/**
 * A URL fit to print: its password replaced by `***`. Configuration and preflight messages name the URL they
 * could not use, and those messages end up in terminals, CI logs and crash reports.
 */
export function redactUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // Not parsable, so there is no telling where its password ends: everything between the scheme and the
    // last `@` goes.
    const scheme = url.indexOf('://');
    const at = url.lastIndexOf('@');
    return scheme >= 0 && at > scheme ? `${url.slice(0, scheme + 3)}***${url.slice(at)}` : url;
  }
  if (!parsed.password) return url;
  parsed.password = '***';
  return parsed.toString();
}
