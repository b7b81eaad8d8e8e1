// The file `ATM: New Load Test Spec` creates: a small, commented test that runs as is against a
// local server, so the next step is obvious.
export const NEW_SPEC_TEXT = `# An API Test Machine load test. Click "▶ Run test" above \`name\` to run it.
# Hover a key for its documentation; Ctrl+Space offers the keys that fit here.
name: My API under load
description: What this test checks, for whoever reads the results

# Relative URLs below resolve against base_url.
base_url: http://127.0.0.1:3000

headers:
  Accept: application/json

# One request (or use \`endpoints:\` for several, each with a name and a weight).
url: /health
method: GET
expected_status_codes: [200]

# Load shape: 10 connections send requests back to back until 500 are done.
# Add \`requests_per_second\` for a fixed arrival rate, or \`duration_seconds\` instead of a count.
concurrency: 10
total_requests: 500

# Every threshold must hold for the test to pass.
thresholds:
  - p95 < 200ms
  - error_rate < 1%
`;
