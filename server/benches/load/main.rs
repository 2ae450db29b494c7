//! `make bench`: Plumb measured on this machine, written to BENCHMARKS.md with a latency plot.
//!
//! Everything runs on loopback: the release `plumb` binary (started here as child processes,
//! as an operator would run it), wrk as the load generator, a small token endpoint that plays
//! the provider and counts what reaches it, a small API that the relay calls (upstream.rs),
//! SQLite files and the local PostgreSQL server.
//! Accounts are seeded in bulk straight into the database, sealed with the same key the server
//! is given. Every loop is bounded in count and time.
//!
//! Configuration (the Makefile sets it): `PLUMB_BIN`, `PLUMB_SITE_ROOT`, `PLUMB_BENCH_POSTGRES_URL`,
//! `PLUMB_BENCH_OUT` (directory for BENCHMARKS.md and the plot), `PLUMB_BENCH_SMOKE=1` for one
//! short iteration of everything (what `make test` runs so the harness cannot rot; its numbers
//! mean nothing). While working on a cause, `PLUMB_BENCH_ONLY=sqlite|postgres` runs one database,
//! `PLUMB_BENCH_ONLY=relay` only the relay's measurements (on SQLite with the first size of
//! accounts, no token, widget, stampede or large-table runs), and `PLUMB_BENCH_SECONDS` shortens
//! each measurement (write those results elsewhere with `PLUMB_BENCH_OUT`);
//! `PLUMB_BENCH_HOLD_SECONDS=N` keeps the first seeded server up for N seconds (printing its URL,
//! API key and pid) before measuring, for attaching a profiler.

mod processes;
mod provider;
mod report;
mod seed;
mod upstream;

use processes::{Plumb, RssSampler, Wrk, WrkResult};
use report::{BackendReport, RelayRow, Report, RunRow, StampedeRow, StreamRow, WidgetAsset};
use serde_json::json;
use server::crypto::{fingerprint, Cipher, KeyMaterial};
use server::store::{Backend, Store};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The sizes of a run: the real ones, or a smoke run's.
pub struct Plan {
    pub smoke: bool,
    pub accounts: [usize; 2],
    pub concurrency: [u32; 3],
    /// Each measurement is this many rounds of `duration`; the median round is reported.
    pub rounds: usize,
    pub duration: Duration,
    pub warmup: Duration,
    pub stampede: usize,
    /// Connections of the relayed and direct calls (the budgets are at 16 and 64; one
    /// connection shows the time a call adds without waiting in line).
    pub relay_concurrency: [u32; 3],
    /// The large relayed answer, in chunks of 64 KiB.
    pub big_chunks: usize,
}

impl Plan {
    fn from_env() -> Self {
        let mut plan = Self::sized();
        if let Some(seconds) = std::env::var("PLUMB_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()) {
            plan.duration = Duration::from_secs(seconds);
        }
        plan
    }

    fn sized() -> Self {
        if std::env::var("PLUMB_BENCH_SMOKE").is_ok_and(|v| v == "1") {
            Plan {
                smoke: true,
                accounts: [100, 1_000],
                concurrency: [1, 16, 64],
                rounds: 1,
                duration: Duration::from_secs(1),
                warmup: Duration::from_secs(1),
                stampede: 50,
                relay_concurrency: [1, 16, 64],
                big_chunks: 160,
            }
        } else {
            Plan {
                smoke: false,
                accounts: [1_000, 1_000_000],
                concurrency: [1, 16, 64],
                rounds: 3,
                duration: Duration::from_secs(4),
                warmup: Duration::from_secs(3),
                stampede: 1_000,
                relay_concurrency: [1, 16, 64],
                big_chunks: 1_600,
            }
        }
    }
}

pub struct Env {
    pub plumb_bin: PathBuf,
    pub site_root: PathBuf,
    pub postgres_url: String,
    pub out: PathBuf,
    pub work: PathBuf,
    pub repo: PathBuf,
    /// The key every server and the seeder share, as `PLUMB_ENCRYPTION_KEYS` writes it.
    pub key_spec: String,
    pub cipher: Cipher,
}

fn main() {
    // `cargo bench` passes `--bench`; there are no other arguments.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    if let Err(message) = runtime.block_on(run()) {
        eprintln!("make bench failed: {message}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let plan = Plan::from_env();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    // Relative paths are the repository's: cargo runs benchmarks from the package directory.
    let var = |name: &str, default: PathBuf| std::env::var_os(name).map(|v| repo.join(v)).unwrap_or(default);
    let key = KeyMaterial::generate();
    let key_id = fingerprint(&key);
    let work = std::env::temp_dir().join(format!("plumb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let env = Env {
        plumb_bin: var("PLUMB_BIN", repo.join("target/release/plumb")),
        site_root: var("PLUMB_SITE_ROOT", repo.join("target/site")),
        postgres_url: std::env::var("PLUMB_BENCH_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        out: var("PLUMB_BENCH_OUT", repo.clone()),
        work,
        key_spec: format!("{key_id}:{}", key.to_base64()),
        cipher: Cipher::new(key_id, key),
        repo,
    };
    if !env.plumb_bin.is_file() {
        return Err(format!("no server binary at {} (make bench builds it)", env.plumb_bin.display()));
    }
    Wrk::check()?;
    std::fs::create_dir_all(&env.out).map_err(|e| format!("cannot create {}: {e}", env.out.display()))?;

    let provider = provider::TokenEndpoint::start().await?;
    let upstream = upstream::Upstream::start()?;
    let started = Instant::now();
    let mut report = Report::new(&plan);
    let only = std::env::var("PLUMB_BENCH_ONLY").unwrap_or_default().to_ascii_lowercase();
    let relay_only = only == "relay";
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let wanted = match only.as_str() {
            "" => true,
            "relay" => backend == Backend::Sqlite,
            name => format!("{backend:?}").eq_ignore_ascii_case(name),
        };
        if !wanted {
            continue;
        }
        // A failure drops the servers it started, which kills them.
        let servers = Servers { provider: &provider, upstream: &upstream, relay_only };
        bench_backend(&plan, &env, &servers, backend, &mut report).await.map_err(|e| format!("{backend:?}: {e}"))?;
    }
    report.micro = report::criterion_results(&env.repo.join("target/criterion"));
    report.total = started.elapsed();
    report.write(&env.out)?;
    let _ = std::fs::remove_dir_all(&env.work);
    println!("Wrote {}", env.out.join("BENCHMARKS.md").display());
    Ok(())
}

/// The stand-in servers every backend's run calls, and what to measure.
struct Servers<'a> {
    provider: &'a provider::TokenEndpoint,
    upstream: &'a upstream::Upstream,
    /// Only the relay (`PLUMB_BENCH_ONLY=relay`).
    relay_only: bool,
}

async fn bench_backend(
    plan: &Plan,
    env: &Env,
    servers: &Servers<'_>,
    backend: Backend,
    report: &mut Report,
) -> Result<(), String> {
    let provider = servers.provider;
    let label = match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    println!("== {label}");
    let url = seed::fresh_database(env, backend).await?;
    let store = Store::connect(&url).await.map_err(|e| format!("cannot open {url}: {e}"))?;
    let key = server::api_keys::create(&store, server::store::SANDBOX, "bench", server::time::now_ms())
        .await
        .map_err(|e| format!("cannot create an API key: {e}"))?;
    let api_key = key.secret;

    let plumb = Plumb::start(env, &url, "main").await?;
    // Idle: started, migrated, answered its health check, nothing else.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = plumb.rss_kib()?;
    let provider_id = plumb.create_provider(&api_key, &provider.url(), &servers.upstream.url()).await?;
    let version_sql = match backend {
        Backend::Sqlite => "SELECT 'SQLite ' || sqlite_version()",
        Backend::Postgres => "SELECT version()",
    };
    let version: String = sqlx::query_scalar(version_sql).fetch_one(store.pool()).await.map_err(|e| e.to_string())?;
    let mut backend_report =
        BackendReport { label: label.into(), version, idle_rss_kib: idle_rss, ..Default::default() };

    let mut seeded = 0;
    for (i, &accounts) in plan.accounts.iter().enumerate() {
        let began = Instant::now();
        seed::connections(&store, env, &provider_id, seeded, accounts).await?;
        seeded = accounts;
        println!("   seeded {accounts} accounts in {:.1} s", began.elapsed().as_secs_f64());
        plumb.check_token(&api_key, accounts).await?;

        if let Some(hold) = std::env::var("PLUMB_BENCH_HOLD_SECONDS").ok().and_then(|s| s.parse().ok()) {
            println!("   holding for {hold} s: {} key {api_key} pid {}", plumb.url(), plumb.pid());
            tokio::time::sleep(Duration::from_secs(hold)).await;
        }
        if servers.relay_only {
            relay(plan, env, &plumb, servers.upstream, &api_key, accounts, &mut backend_report).await?;
            break;
        }
        let wrk = Wrk { url: plumb.url(), api_key: api_key.clone(), accounts, work: env.work.clone() };
        wrk.token(64, plan.warmup, None)?;
        for &connections in &plan.concurrency {
            // Rounds alternate between the two endpoints, so a slow spell of this (virtual)
            // machine hits both; each endpoint reports its median round.
            let (mut trivial, mut token, mut static_file) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..plan.rounds {
                trivial.push(wrk.trivial(connections, plan.duration)?);
                token.push(wrk.token(connections, plan.duration, None)?);
                static_file.push(wrk.static_file(connections, plan.duration)?);
            }
            let (trivial, token) = (median_by(trivial, WrkResult::rps), median_by(token, WrkResult::rps));
            let static_file = median_by(static_file, WrkResult::rps);
            println!(
                "   {accounts} accounts, {connections} connections: token {:.0}/s, trivial {:.0}/s, static {:.0}/s",
                token.rps(),
                trivial.rps(),
                static_file.rps()
            );
            backend_report.runs.push(RunRow { accounts, connections, token, trivial, static_file });
        }
        // The same 64 connections paced to half the rate just measured.
        let max = backend_report.runs.last().map(|r| r.token.rps()).unwrap_or(0.0);
        let target = max / 2.0;
        if target > 0.0 {
            let mut rounds = Vec::new();
            for _ in 0..plan.rounds {
                rounds.push(wrk.token(64, plan.duration, Some(64.0 * 1000.0 / target))?);
            }
            let paced = median_by(rounds, |r| r.percentile(99.0) as f64);
            println!("   paced at {:.0}/s (target {target:.0}/s): p99 {} µs", paced.rps(), paced.percentile(99.0));
            backend_report.paced.push((accounts, target, paced));
        }
        if i == 0 {
            if backend == Backend::Sqlite {
                // Before the stampede, which gives user_0 a token the stand-in API refuses.
                relay(plan, env, &plumb, servers.upstream, &api_key, accounts, &mut backend_report).await?;
                report.widget = widget_assets(&plumb, &api_key).await?;
            }
            let row = stampede(plan, &store, provider, &[&plumb], &api_key, "user_0").await?;
            backend_report.stampedes.push(row);
        }
    }
    if servers.relay_only {
        drop(plumb);
        store.close().await;
        report.backends.push(backend_report);
        return Ok(());
    }
    backend_report.loaded_rss_kib = plumb.rss_kib()?;
    println!(
        "   resident: {} KiB ({} KiB anonymous, {} KiB file-backed)",
        backend_report.loaded_rss_kib,
        plumb.status_kib("RssAnon:")?,
        plumb.status_kib("RssFile:")?
    );

    if backend == Backend::Postgres {
        // Three processes on one database, as an operator running several instances would.
        let second = Plumb::start(env, &url, "second").await?;
        let third = Plumb::start(env, &url, "third").await?;
        let row = stampede(plan, &store, provider, &[&plumb, &second, &third], &api_key, "user_1").await?;
        backend_report.stampedes.push(row);
        drop((second, third));
    }
    drop(plumb);
    store.close().await;
    if backend == Backend::Postgres {
        seed::drop_postgres(env).await?;
    }
    report.backends.push(backend_report);
    Ok(())
}

/// The relay against the stand-in API: `/me` directly and relayed, alternating, at each
/// concurrency; then one large answer streamed through with Plumb's memory sampled.
async fn relay(
    plan: &Plan,
    env: &Env,
    plumb: &Plumb,
    upstream: &upstream::Upstream,
    api_key: &str,
    accounts: usize,
    backend_report: &mut BackendReport,
) -> Result<(), String> {
    plumb.check_relay(api_key, accounts).await?;
    let relayed = Wrk { url: plumb.url(), api_key: api_key.to_string(), accounts, work: env.work.clone() };
    // Straight to the API with a seeded account's token, as a caller holding it would call.
    let token = seed::access_token("user_0");
    let direct = Wrk { url: upstream.url(), api_key: token.clone(), accounts, work: env.work.clone() };
    relayed.relayed(64, plan.warmup)?;
    direct.direct(64, plan.warmup)?;
    for &connections in &plan.relay_concurrency {
        let (mut direct_rounds, mut relayed_rounds) = (Vec::new(), Vec::new());
        for _ in 0..plan.rounds {
            direct_rounds.push(direct.direct(connections, plan.duration)?);
            relayed_rounds.push(relayed.relayed(connections, plan.duration)?);
        }
        let row = RelayRow {
            connections,
            direct: median_by(direct_rounds, WrkResult::rps),
            relayed: median_by(relayed_rounds, WrkResult::rps),
        };
        println!(
            "   relay, {connections} connections: direct {:.0}/s p50 {} µs, relayed {:.0}/s p50 {} µs ({:.2}×)",
            row.direct.rps(),
            row.direct.percentile(50.0),
            row.relayed.rps(),
            row.relayed.percentile(50.0),
            row.ratio()
        );
        backend_report.relay.push(row);
    }

    // One large answer: first straight from the API (for its time), then through Plumb while a
    // thread samples Plumb's resident memory.
    let expected = (plan.big_chunks * upstream::CHUNK_BYTES) as u64;
    let client = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().map_err(|e| e.to_string())?;
    let began = Instant::now();
    let request = client.get(format!("{}/big?chunks={}", upstream.url(), plan.big_chunks)).bearer_auth(&token);
    let got = drain(request, None).await.map_err(|e| format!("the direct download: {e}"))?;
    let direct_elapsed = began.elapsed();
    let got = got.0;
    if got != expected {
        return Err(format!("the direct download brought {got} bytes of {expected}"));
    }
    // Let the connections of the last wrk run close and Plumb settle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline_kib = plumb.rss_kib()?;
    let sampler = RssSampler::start(plumb.pid(), Duration::from_millis(20));
    let began = Instant::now();
    let request = client
        .get(format!("{}/relay/bench/big?chunks={}", plumb.url(), plan.big_chunks))
        .bearer_auth(api_key)
        .header("x-relay-user-id", "user_2");
    let got = drain(request, Some(plumb.pid())).await;
    let elapsed = began.elapsed();
    let mut samples = sampler.stop()?;
    let (got, read_samples) = got.map_err(|e| format!("the relayed download: {e}"))?;
    let after_kib = samples.last().copied().unwrap_or(baseline_kib);
    samples.extend(read_samples);
    if got != expected {
        return Err(format!("the relayed download brought {got} bytes of {expected}"));
    }
    let row = StreamRow {
        bytes: got,
        direct_elapsed,
        elapsed,
        baseline_kib,
        peak_kib: samples.iter().copied().max().unwrap_or(baseline_kib).max(baseline_kib),
        after_kib,
        samples: samples.len(),
    };
    println!(
        "   relayed {got} bytes in {:.0} ms (directly {:.0} ms): resident {} KiB before, {} KiB peak, {} samples",
        elapsed.as_secs_f64() * 1000.0,
        direct_elapsed.as_secs_f64() * 1000.0,
        row.baseline_kib,
        row.peak_kib,
        row.samples
    );
    backend_report.stream = Some(row);
    Ok(())
}

/// Sends a request and reads its body to the end, discarding it; the bytes read. With a pid, also
/// that process's VmRSS (KiB) at every MiB read: a fast download is over in a few of the time
/// sampler's periods, and these samples follow the body whatever its speed.
async fn drain(request: reqwest::RequestBuilder, sample: Option<u32>) -> Result<(u64, Vec<u64>), String> {
    let mut reply = request.send().await.map_err(|e| e.to_string())?;
    let status = reply.status();
    if !status.is_success() {
        let body = reply.text().await.unwrap_or_default();
        return Err(format!("HTTP {status}: {body}"));
    }
    let (mut bytes, mut samples) = (0u64, Vec::new());
    while let Some(chunk) = reply.chunk().await.map_err(|e| e.to_string())? {
        let before = bytes;
        bytes += chunk.len() as u64;
        if let Some(pid) = sample.filter(|_| bytes >> 20 != before >> 20) {
            samples.push(processes::status_kib(pid, "VmRSS:")?);
        }
    }
    Ok((bytes, samples))
}

/// N concurrent fetches of one user's expired token, spread over the given processes.
async fn stampede(
    plan: &Plan,
    store: &Store,
    provider: &provider::TokenEndpoint,
    servers: &[&Plumb],
    api_key: &str,
    user: &str,
) -> Result<StampedeRow, String> {
    seed::expire(store, user).await?;
    let before = provider.refreshes();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let began = Instant::now();
    let mut tasks = Vec::with_capacity(plan.stampede);
    for i in 0..plan.stampede {
        let url = format!("{}/data-integrations/bench/token", servers[i % servers.len()].url());
        let request = client.post(url).bearer_auth(api_key).json(&json!({ "user_id": user }));
        tasks.push(tokio::spawn(async move {
            let reply = request.send().await.map_err(|e| e.to_string())?;
            let status = reply.status().as_u16();
            let body: serde_json::Value = reply.json().await.map_err(|e| e.to_string())?;
            match body["access_token"]["access_token"].as_str() {
                Some(token) if status == 200 && body["active"] == true => Ok(token.to_string()),
                _ => Err(format!("HTTP {status}: {body}")),
            }
        }));
    }
    let mut tokens = std::collections::BTreeSet::new();
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(token)) => {
                tokens.insert(token);
            }
            Ok(Err(e)) => errors.push(e),
            Err(e) => errors.push(e.to_string()),
        }
    }
    let elapsed = began.elapsed();
    let row = StampedeRow {
        processes: servers.len(),
        requests: plan.stampede,
        provider_requests: provider.refreshes() - before,
        distinct_tokens: tokens.len(),
        elapsed,
        errors: errors.len(),
        first_error: errors.into_iter().next(),
    };
    println!(
        "   stampede, {} process(es): {} provider requests, {} errors, all answered in {:.0} ms",
        row.processes,
        row.provider_requests,
        row.errors,
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(row)
}

/// The middle result by `key` (the results are few and odd in number).
fn median_by(mut results: Vec<WrkResult>, key: impl Fn(&WrkResult) -> f64) -> WrkResult {
    results.sort_by(|a, b| key(a).total_cmp(&key(b)));
    results.swap_remove(results.len() / 2)
}

/// What the widget page loads: its HTML, then every file under /pkg/ it names, fetched the way a
/// browser would (identity, gzip, brotli), recording what Plumb actually sends.
async fn widget_assets(plumb: &Plumb, api_key: &str) -> Result<report::Widget, String> {
    let client = reqwest::Client::new();
    let minted = client
        .post(format!("{}/widgets/token", plumb.url()))
        .bearer_auth(api_key)
        .json(&json!({"user_id": "user_0"}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let token: serde_json::Value = minted.json().await.map_err(|e| e.to_string())?;
    let token = token["token"].as_str().ok_or("no widget token")?.to_string();
    let html = client
        .get(format!("{}/widget?token={token}", plumb.url()))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if !html.contains("Connected accounts") {
        return Err("the widget page did not render".into());
    }
    let mut paths: Vec<String> = Vec::new();
    for (start, _) in html.match_indices("/pkg/") {
        let rest = &html[start..];
        let end = rest.find(['"', '\'', '`', ' ', ')', '>']).unwrap_or(rest.len());
        let path = rest[..end].to_string();
        if !paths.contains(&path) {
            paths.push(path);
        }
    }
    let mut assets = Vec::new();
    for path in paths {
        let mut asset = WidgetAsset { path: path.clone(), ..Default::default() };
        for encoding in ["identity", "gzip", "br"] {
            let reply = client
                .get(format!("{}{path}", plumb.url()))
                .header("accept-encoding", encoding)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !reply.status().is_success() {
                return Err(format!("{path}: HTTP {}", reply.status()));
            }
            let header = |name: &str| reply.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let served = header("content-encoding");
            let cache = header("cache-control");
            let bytes = reply.bytes().await.map_err(|e| e.to_string())?.len();
            match encoding {
                "identity" => {
                    asset.raw = bytes;
                    asset.cache_control = cache;
                }
                "gzip" => asset.gzip = (bytes, served == "gzip"),
                _ => asset.brotli = (bytes, served == "br"),
            }
        }
        assets.push(asset);
    }
    Ok(report::Widget {
        html_raw: html.len(),
        html_gzip: processes::compressed_size("gzip", &["-9", "-c", "-n"], html.as_bytes())?,
        html_brotli: processes::compressed_size("brotli", &["-q", "11", "-c"], html.as_bytes())?,
        wasm_opt: processes::wasm_opt_version(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")),
        assets,
    })
}

impl WrkResult {
    pub fn rps(&self) -> f64 {
        if self.duration_us == 0 {
            0.0
        } else {
            self.requests as f64 * 1e6 / self.duration_us as f64
        }
    }

    /// Latency at percentile `p` in microseconds (the closest recorded point at or above it).
    pub fn percentile(&self, p: f64) -> u64 {
        self.percentiles.iter().find(|(q, _)| *q >= p).map(|(_, v)| *v).unwrap_or(self.max_us)
    }

    pub fn errors(&self) -> u64 {
        let e = &self.errors;
        e.connect + e.read + e.write + e.status + e.timeout
    }
}
