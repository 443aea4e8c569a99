// The GraphQL-over-HTTP spec's reference audit (graphql-http's auditServer) against a running
// HMSDESK Graph server. Usage: node http_audit.mjs http://127.0.0.1:PORT/graphql
//
// Every audit request carries X-HMSDESK-Client, as a real client does: without it, GETs and
// text/plain POSTs are refused as possible cross-site request forgeries (README, "CSRF").
// Exit status 1 on any failed MUST (an error), on any warning not listed in KNOWN_WARNINGS,
// and on a listed warning that no longer occurs (so the list and the README stay true).
import { auditServer } from 'graphql-http';

// Deliberate deviations from the audit's SHOULDs, each with its reason (mirrored in README).
const KNOWN_WARNINGS = {
  '47DE':
    'Accept: */* gets application/graphql-response+json, the spec\'s preferred type: a client ' +
    'that accepts anything accepts it (the audit still checks the pre-2025 default).',
  '80D8':
    'A missing Accept is treated as application/graphql-response+json, as the spec says since ' +
    'its 2025-01-01 watershed (the audit still checks the pre-watershed application/json; ' +
    "Node's fetch sends Accept: */* when none is given, so it meets the */* rule).",
};

const url = process.argv[2];
if (!url) {
  console.error('usage: node http_audit.mjs http://127.0.0.1:PORT/graphql');
  process.exit(2);
}

function withClientHeader(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('x-hmsdesk-client', 'http-audit');
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: withClientHeader });
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
const unexpected = [];
const seen = new Set();
for (const result of results) {
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === 'ok') {
    console.log(`ok      ${result.id} ${result.name}`);
    continue;
  }
  let reason = result.reason;
  if (result.response) {
    let body = '(read by the audit)';
    try {
      body = (await result.response.text()).slice(0, 200);
    } catch {}
    reason += ` (status ${result.response.status}, body ${body})`;
  }
  console.log(`${result.status.padEnd(7)} ${result.id} ${result.name}: ${reason}`);
  if (result.status === 'warn') {
    seen.add(result.id);
    if (KNOWN_WARNINGS[result.id]) {
      console.log(`        deliberate: ${KNOWN_WARNINGS[result.id]}`);
    } else {
      unexpected.push(result.id);
    }
  }
}
const gone = Object.keys(KNOWN_WARNINGS).filter((id) => !seen.has(id));
console.log(
  `http-audit: ${results.length} audits: ${counts.ok} ok, ${counts.error} errors, ` +
    `${counts.warn} warnings (${counts.warn - unexpected.length} deliberate), ` +
    `${counts.notice} notices`,
);
if (counts.error > 0 || unexpected.length > 0 || gone.length > 0) {
  if (unexpected.length) console.error(`http-audit: warnings not listed: ${unexpected.join(', ')}`);
  if (gone.length) console.error(`http-audit: listed warnings no longer seen: ${gone.join(', ')}`);
  process.exit(1);
}
