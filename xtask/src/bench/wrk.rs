//! The load generator: `wrk` with a Lua script that replays pre-generated
//! requests, one file line each (`path TAB idempotency-key TAB body`, where
//! the key may be followed by a space and the hub frame page's token), every
//! wrk thread taking its own share so no two requests repeat. The script's
//! `done` prints one machine-readable line; wrk's own `--latency` table is
//! kept in the log for people.

use std::{path::Path, process::Command};

use crate::run::Error;

const SCRIPT: &str = r#"
local threads = {}
local count = 0
function setup(thread)
  thread:set("id", count)
  count = count + 1
  table.insert(threads, thread)
end
function init(args)
  local file, nthreads, origin = args[1], tonumber(args[2]), args[3]
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == id then
      local path, key, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      if origin ~= "-" then headers["Origin"] = origin end
      local k, token = key:match("^(%S+) (%S+)$")
      if token then headers["Postsale-Frame-Token"] = token; key = k end
      if key ~= "" then headers["Idempotency-Key"] = key end
      table.insert(reqs, wrk.format("POST", path, headers, body))
    end
    i = i + 1
  end
  at = 1; ok = 0; bad = 0; wrapped = 0
end
function request()
  local r = reqs[at]
  at = at + 1
  if at > #reqs then at = 1; wrapped = wrapped + 1 end
  return r
end
function response(status, headers, body)
  if status == 201 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local ok_n, bad_n, wrapped_n = 0, 0, 0
  for _, t in ipairs(threads) do
    ok_n = ok_n + t:get("ok"); bad_n = bad_n + t:get("bad"); wrapped_n = wrapped_n + t:get("wrapped")
  end
  local e = summary.errors
  io.write(string.format("BENCH rps=%.3f p50_us=%d p99_us=%d ok=%d bad=%d wrapped=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    ok_n, bad_n, wrapped_n, e.connect + e.read + e.write + e.timeout))
end
"#;

/// One wrk run's result.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) rps: f64,
    pub(crate) p50_ms: f64,
    pub(crate) p99_ms: f64,
    /// Requests answered.
    pub(crate) requests: u64,
    /// Answers other than 201 (a replayed or refused request).
    pub(crate) bad: u64,
    /// Socket errors and timeouts.
    pub(crate) errors: u64,
    /// Whether some thread ran out of prepared requests and started over.
    pub(crate) wrapped: bool,
}

/// Load-test settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) connections: u32,
    pub(crate) threads: u32,
    pub(crate) seconds: u32,
}

/// Writes the request lines to `file`.
pub(crate) fn write_requests(file: &Path, lines: &[(String, String, String)]) -> Result<(), Error> {
    let mut text = String::new();
    for (path, key, body) in lines {
        text.push_str(path);
        text.push('\t');
        text.push_str(key);
        text.push('\t');
        text.push_str(body);
        text.push('\n');
    }
    std::fs::write(file, text).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

/// Runs wrk against `base` with the requests in `file`; `origin` or "-".
pub(crate) fn run(
    base: &str,
    file: &Path,
    origin: &str,
    load: Load,
    log: &Path,
) -> Result<Run, Error> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let script = dir.join("replay.lua");
    std::fs::write(&script, SCRIPT)
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let out = Command::new("wrk")
        .args(["--latency", "--timeout", "10s"])
        .arg(format!("-t{}", load.threads))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("-s")
        .arg(&script)
        .arg(base)
        .arg("--")
        .arg(file)
        .arg(load.threads.to_string())
        .arg(origin)
        .output()
        .map_err(|e| format!("cannot run wrk (apt-get install -y wrk): {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut previous = std::fs::read_to_string(log).unwrap_or_default();
    previous.push_str(&stdout);
    previous.push_str(&String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::write(log, previous);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| format!("wrk printed no result; see {}", log.display()))?;
    parse(line).ok_or_else(|| format!("cannot read wrk's result line: {line}"))
}

fn parse(line: &str) -> Option<Run> {
    let field = |name: &str| -> Option<f64> {
        line.split(' ')
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
            .parse()
            .ok()
    };
    Some(Run {
        rps: field("rps")?,
        p50_ms: field("p50_us")? / 1000.0,
        p99_ms: field("p99_us")? / 1000.0,
        requests: (field("ok")? + field("bad")?) as u64,
        bad: field("bad")? as u64,
        errors: field("errors")? as u64,
        wrapped: field("wrapped")? > 0.0,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_result_line_is_read() {
        let run = parse("rps=1234.500 p50_us=2100 p99_us=9000 ok=10 bad=2 wrapped=0 errors=1")
            .expect("parses");
        assert_eq!(run.rps, 1234.5);
        assert_eq!((run.p50_ms, run.p99_ms), (2.1, 9.0));
        assert_eq!((run.bad, run.errors, run.wrapped), (2, 1, false));
    }
}
