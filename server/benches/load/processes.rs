//! The programs the benchmarks drive: `plumb serve` processes and wrk, and a sampler of a
//! process's resident memory.

use crate::Env;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A running `plumb serve`, killed when dropped (also when a benchmark fails halfway).
pub struct Plumb {
    child: Child,
    url: String,
}

impl Plumb {
    pub async fn start(env: &Env, database_url: &str, name: &str) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let log_path = env.work.join(format!("plumb-{name}-{port}.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let child = Command::new(&env.plumb_bin)
            .arg("serve")
            .env("PLUMB_ADDR", format!("127.0.0.1:{port}"))
            .env("PLUMB_PUBLIC_URL", &url)
            .env("PLUMB_DATABASE_URL", database_url)
            .env("PLUMB_ENCRYPTION_KEYS", &env.key_spec)
            .env("PLUMB_DATA_DIR", env.work.join(format!("data-{name}")))
            .env("PLUMB_SITE_ROOT", &env.site_root)
            // The stand-in provider's token endpoint and the relay's stand-in API listen on
            // loopback, which Plumb's outbound rules allow only in development mode (plain http
            // to loopback; the mode changes nothing else). Every server needs it: each one
            // refreshes tokens (the stampede) and the first one relays calls too.
            .env("PLUMB_DEVELOPMENT_MODE", "1")
            // As a production server runs: the default log level (each request in a span with
            // its id) and metrics served on their own listener (issue 16's budget: the token
            // path within 5% of its ratio before metrics).
            .env("PLUMB_LOG", "info")
            .env("PLUMB_METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", env.plumb_bin.display()))?;
        let plumb = Plumb { child, url };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(reply) = client.get(format!("{}/healthz", plumb.url)).send().await {
                if reply.status().is_success() {
                    return Ok(plumb);
                }
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!("plumb did not answer within 60 s; its log:\n{log}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory from /proc, in KiB.
    pub fn rss_kib(&self) -> Result<u64, String> {
        self.status_kib("VmRSS:")
    }

    /// A memory line of /proc/<pid>/status (`VmRSS:`, `RssAnon:`, `RssFile:`), in KiB.
    pub fn status_kib(&self, field: &str) -> Result<u64, String> {
        status_kib(self.child.id(), field)
    }

    /// The benchmark's provider, created through the admin API like any other: its token
    /// endpoint is `provider_url`'s, its API (for the relay) `api_base_url`, whose host and port
    /// are then the only ones the relay may send its credentials to (the default).
    pub async fn create_provider(
        &self,
        api_key: &str,
        provider_url: &str,
        api_base_url: &str,
    ) -> Result<String, String> {
        let body = json!({
            "provider": "bench",
            "description": "The benchmark's stand-in provider",
            "enabled": true,
            "scopes": ["read"],
            "credentials": {"type": "custom", "client_id": "bench-client", "client_secret": "bench-client-secret-0123"},
            "custom_provider": {
                "name": "Bench",
                "authorization_url": format!("{provider_url}/authorize"),
                "token_url": format!("{provider_url}/token"),
                "api_base_url": api_base_url,
            }
        });
        let reply = reqwest::Client::new()
            .post(format!("{}/data-integrations", self.url))
            .bearer_auth(api_key)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let created: serde_json::Value = reply.json().await.map_err(|e| e.to_string())?;
        created["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("creating the provider: HTTP {status}: {created}"))
    }

    /// One fetch through the API before measuring: the seeded rows must open as tokens.
    pub async fn check_token(&self, api_key: &str, accounts: usize) -> Result<(), String> {
        let user = format!("user_{}", accounts - 1);
        let reply = reqwest::Client::new()
            .post(format!("{}/data-integrations/bench/token", self.url))
            .bearer_auth(api_key)
            .json(&json!({ "user_id": user }))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let body: serde_json::Value = reply.json().await.map_err(|e| e.to_string())?;
        if body["active"] != true || body["access_token"]["access_token"] != crate::seed::access_token(&user).as_str() {
            return Err(format!("a seeded account did not yield its token: {body}"));
        }
        Ok(())
    }

    /// One relayed call before measuring: it must reach the stand-in API with a seeded token and
    /// bring its answer back unchanged.
    pub async fn check_relay(&self, api_key: &str, accounts: usize) -> Result<(), String> {
        let reply = reqwest::Client::new()
            .get(format!("{}/relay/bench/me", self.url))
            .bearer_auth(api_key)
            .header("x-relay-user-id", format!("user_{}", accounts - 1))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = reply.status();
        let upstream = reply.headers().get("x-relay-upstream-status").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = reply.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() || upstream.as_deref() != Some("200") || body != crate::upstream::ME_BODY {
            return Err(format!("a relayed call failed: HTTP {status}, upstream status {upstream:?}: {body}"));
        }
        Ok(())
    }
}

/// A memory line of /proc/<pid>/status (`VmRSS:`, `RssAnon:`, `RssFile:`), in KiB.
pub fn status_kib(pid: u32, field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| format!("no {field} in /proc status"))
}

/// VmRSS of one process read every `every` on a thread of its own (not a task: a busy runtime
/// would space the samples out), until stopped.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Result<Vec<u64>, String>>,
}

impl RssSampler {
    pub fn start(pid: u32, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            loop {
                samples.push(status_kib(pid, "VmRSS:")?);
                if stopping.load(Ordering::Relaxed) {
                    return Ok(samples);
                }
                std::thread::sleep(every);
            }
        });
        Self { stop, thread }
    }

    /// The samples in KiB, in order; the last one is taken after the stop.
    pub fn stop(self) -> Result<Vec<u64>, String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().map_err(|_| "the memory sampler panicked".to_string())?
    }
}

impl Drop for Plumb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// wrk with `wrk.lua` against one server.
pub struct Wrk {
    pub url: String,
    pub api_key: String,
    pub accounts: usize,
    pub work: PathBuf,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct WrkErrors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub status: u64,
    pub timeout: u64,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct WrkResult {
    pub requests: u64,
    pub duration_us: u64,
    pub errors: WrkErrors,
    pub max_us: u64,
    /// (percentile, microseconds), ascending.
    pub percentiles: Vec<(f64, u64)>,
}

impl Wrk {
    pub fn check() -> Result<(), String> {
        match Command::new("wrk").arg("--version").output() {
            // wrk prints its version and exits with 1.
            Ok(out) if String::from_utf8_lossy(&out.stdout).contains("wrk") => Ok(()),
            _ => Err("wrk is not installed (make bench installs Debian's wrk)".into()),
        }
    }

    pub fn trivial(&self, connections: u32, duration: Duration) -> Result<WrkResult, String> {
        self.run("GET", "/api_keys/current", connections, duration, None)
    }

    /// A relayed call to the stand-in API's `/me` for a random seeded user per request.
    pub fn relayed(&self, connections: u32, duration: Duration) -> Result<WrkResult, String> {
        self.run_with("GET", "/relay/bench/me", connections, duration, None, true)
    }

    /// The stand-in API's `/me` called directly (`self.url` is the API's, `self.api_key` a
    /// seeded access token): what the relayed call is compared with.
    pub fn direct(&self, connections: u32, duration: Duration) -> Result<WrkResult, String> {
        self.run("GET", "/me", connections, duration, None)
    }

    /// A static file: the unhashed stylesheet, about 10 KB.
    pub fn static_file(&self, connections: u32, duration: Duration) -> Result<WrkResult, String> {
        self.run("GET", "/pkg/plumb.css", connections, duration, None)
    }

    /// The token endpoint; `interval_ms` paces each connection to one request per interval.
    pub fn token(&self, connections: u32, duration: Duration, interval_ms: Option<f64>) -> Result<WrkResult, String> {
        self.run("POST", "/data-integrations/bench/token", connections, duration, interval_ms)
    }

    fn run(
        &self,
        method: &str,
        path: &str,
        connections: u32,
        duration: Duration,
        interval_ms: Option<f64>,
    ) -> Result<WrkResult, String> {
        self.run_with(method, path, connections, duration, interval_ms, false)
    }

    fn run_with(
        &self,
        method: &str,
        path: &str,
        connections: u32,
        duration: Duration,
        interval_ms: Option<f64>,
        relay_users: bool,
    ) -> Result<WrkResult, String> {
        let out = self.work.join("wrk.json");
        let _ = std::fs::remove_file(&out);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/load/wrk.lua");
        // wrk counts time in whole seconds at the least. One wrk thread: the machine has two cores and the server needs them more.
        let output = Command::new("wrk")
            .args(["-t1", "-c", &connections.to_string(), "-d", &format!("{}s", duration.as_secs().max(1))])
            .args(["--timeout", "10s", "-s"])
            .arg(&script)
            .arg(&self.url)
            .env("BENCH_METHOD", method)
            .env("BENCH_PATH", path)
            .env("BENCH_ACCOUNTS", self.accounts.to_string())
            .env("BENCH_API_KEY", &self.api_key)
            .env("BENCH_INTERVAL_MS", interval_ms.map(|i| format!("{i:.4}")).unwrap_or_default())
            .env("BENCH_RELAY_USERS", if relay_users { "1" } else { "" })
            .env("BENCH_OUT", &out)
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        if !output.status.success() {
            return Err(format!("wrk failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        let text = std::fs::read_to_string(&out).map_err(|e| format!("wrk wrote no results: {e}"))?;
        let result: WrkResult = serde_json::from_str(&text).map_err(|e| format!("wrk results {text:?}: {e}"))?;
        if result.requests == 0 {
            return Err(format!("wrk completed no requests against {path}"));
        }
        if result.errors() > 0 {
            return Err(format!("{} errors against {path}: {:?}", result.errors(), result.errors));
        }
        Ok(result)
    }
}

/// The size of `data` after piping it through a compressor on the command line.
pub fn compressed_size(program: &str, args: &[&str], data: &[u8]) -> Result<usize, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    child.stdin.take().ok_or("no stdin")?.write_all(data).map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    Ok(out.stdout.len())
}

/// The version of the wasm-opt `make site` used (binaryen from npm).
pub fn wasm_opt_version(repo: &Path) -> String {
    Command::new(repo.join("end2end/node_modules/.bin/wasm-opt"))
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}
