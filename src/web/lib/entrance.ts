/**
 * The SPA lives under the security entrance (`/<entrance>/…`): its first path segment. The login
 * needs it in its body, and the router uses it as its base.
 */
export function currentEntrance(pathname = window.location.pathname): string {
  return pathname.split('/')[1] ?? '';
}
