//! The programs the benchmarks drive: `plumb serve` processes and wrk.

use crate::Env;
use serde::Deserialize;
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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
            // The stand-in provider listens on loopback.
            .env("PLUMB_DEVELOPMENT_MODE", "1")
            .env("PLUMB_LOG", "warn")
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
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).map_err(|e| e.to_string())?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .ok_or_else(|| format!("no {field} in /proc status"))
    }

    /// The benchmark's provider, created through the admin API like any other.
    pub async fn create_provider(&self, api_key: &str, provider_url: &str) -> Result<String, String> {
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
