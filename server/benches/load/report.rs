//! BENCHMARKS.md and its latency plot, written from one run's measurements. Budgets are checked
//! here, against the numbers just measured, and reported as met or missed, never asserted.

use crate::processes::WrkResult;
use crate::Plan;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

pub const PLOT_FILE: &str = "BENCHMARKS-latency.svg";

pub struct RunRow {
    pub accounts: usize,
    pub connections: u32,
    pub token: WrkResult,
    pub trivial: WrkResult,
    /// `GET /pkg/plumb.css` (about 10 KB): the static-file baseline.
    pub static_file: WrkResult,
}

impl RunRow {
    pub fn ratio(&self) -> f64 {
        self.token.rps() / self.trivial.rps().max(f64::MIN_POSITIVE)
    }
}

/// The stand-in API's `/me` called directly and through the relay, at one concurrency.
pub struct RelayRow {
    pub connections: u32,
    pub direct: WrkResult,
    pub relayed: WrkResult,
}

impl RelayRow {
    pub fn ratio(&self) -> f64 {
        self.relayed.rps() / self.direct.rps().max(f64::MIN_POSITIVE)
    }

    /// Relayed p50 minus direct p50, in microseconds.
    pub fn added_p50_us(&self) -> i64 {
        self.relayed.percentile(50.0) as i64 - self.direct.percentile(50.0) as i64
    }
}

/// One large answer streamed through the relay, with Plumb's resident memory sampled meanwhile.
pub struct StreamRow {
    pub bytes: u64,
    /// The same download straight from the stand-in API, for comparison.
    pub direct_elapsed: Duration,
    pub elapsed: Duration,
    /// VmRSS in KiB just before the download, the highest sample during it, and after it.
    pub baseline_kib: u64,
    pub peak_kib: u64,
    pub after_kib: u64,
    pub samples: usize,
}

impl StreamRow {
    pub fn growth_kib(&self) -> u64 {
        self.peak_kib.saturating_sub(self.baseline_kib)
    }
}

pub struct StampedeRow {
    pub processes: usize,
    pub requests: usize,
    pub provider_requests: usize,
    pub distinct_tokens: usize,
    pub elapsed: Duration,
    pub errors: usize,
    pub first_error: Option<String>,
}

#[derive(Default)]
pub struct BackendReport {
    pub label: String,
    pub version: String,
    pub idle_rss_kib: u64,
    pub loaded_rss_kib: u64,
    pub runs: Vec<RunRow>,
    /// (accounts, target rate, result) at 64 connections.
    pub paced: Vec<(usize, f64, WrkResult)>,
    pub stampedes: Vec<StampedeRow>,
    pub relay: Vec<RelayRow>,
    pub stream: Option<StreamRow>,
}

#[derive(Default)]
pub struct WidgetAsset {
    pub path: String,
    pub raw: usize,
    /// Bytes received when asking for the encoding, and whether the server used it.
    pub gzip: (usize, bool),
    pub brotli: (usize, bool),
    pub cache_control: String,
}

#[derive(Default)]
pub struct Widget {
    pub html_raw: usize,
    pub html_gzip: usize,
    pub html_brotli: usize,
    pub wasm_opt: String,
    pub assets: Vec<WidgetAsset>,
}

pub struct Micro {
    pub name: String,
    pub median_ns: f64,
    pub mean_ns: f64,
}

pub struct Report {
    pub smoke: bool,
    pub accounts: [usize; 2],
    pub rounds: usize,
    pub duration: Duration,
    pub stampede: usize,
    pub relay_concurrency: Vec<u32>,
    pub big_chunks: usize,
    pub machine: Vec<(String, String)>,
    pub backends: Vec<BackendReport>,
    pub widget: Widget,
    pub micro: Vec<Micro>,
    pub total: Duration,
}

/// Budgets from issue 6.
const RATIO_BUDGET: f64 = 0.60;
const PACED_P99_BUDGET_US: u64 = 5_000;
const SCALE_BUDGET: f64 = 0.80;
/// Issue 17: everything the widget page loads.
const WIDGET_BUDGET_BYTES: usize = 100_000;
const IDLE_RSS_BUDGET_BYTES: u64 = 30_000_000;
const LOADED_RSS_BUDGET_BYTES: u64 = 100_000_000;
/// Budgets of the relay's issue.
const RELAY_RATIO_BUDGET: f64 = 0.80;
const RELAY_ADDED_P50_BUDGET_US: i64 = 300;
/// The concurrencies the relay's budgets are stated at.
const RELAY_BUDGET_CONNECTIONS: [u32; 2] = [16, 64];
const STREAM_GROWTH_BUDGET_BYTES: u64 = 10_000_000;

impl Report {
    pub fn new(plan: &Plan) -> Self {
        Report {
            smoke: plan.smoke,
            accounts: plan.accounts,
            rounds: plan.rounds,
            duration: plan.duration,
            stampede: plan.stampede,
            relay_concurrency: plan.relay_concurrency.to_vec(),
            big_chunks: plan.big_chunks,
            machine: machine(),
            backends: Vec::new(),
            widget: Widget::default(),
            micro: Vec::new(),
            total: Duration::ZERO,
        }
    }

    pub fn write(&self, out: &Path) -> Result<(), String> {
        let md = self.markdown();
        std::fs::write(out.join("BENCHMARKS.md"), md).map_err(|e| format!("cannot write BENCHMARKS.md: {e}"))?;
        std::fs::write(out.join(PLOT_FILE), self.plot()).map_err(|e| format!("cannot write the plot: {e}"))?;
        Ok(())
    }

    fn backend(&self, label: &str) -> Option<&BackendReport> {
        self.backends.iter().find(|b| b.label == label)
    }

    fn markdown(&self) -> String {
        let mut m = String::new();
        let big = self.accounts[1];
        let _ = writeln!(m, "# Benchmarks\n");
        let _ = writeln!(
            m,
            "Written by `make bench` (server/benches/load, server/benches/micro.rs); do not edit by hand. \
             Run it again to measure this machine.{}\n",
            if self.smoke { " **This is a smoke run: one short iteration, the numbers mean nothing.**" } else { "" }
        );
        let _ = writeln!(m, "## Machine\n");
        for (k, v) in &self.machine {
            let _ = writeln!(m, "- {k}: {v}");
        }
        for b in &self.backends {
            let _ = writeln!(m, "- {}: {}", b.label, b.version);
        }
        let _ = writeln!(m, "- Whole run: {:.0} s\n", self.total.as_secs_f64());

        let _ = writeln!(m, "## Budgets\n");
        let _ = writeln!(m, "| Budget | Measured | |\n|---|---|---|");
        for (name, measured, met) in self.budgets() {
            let _ = writeln!(m, "| {name} | {measured} | {} |", if met { "met" } else { "**missed**" });
        }

        let _ = writeln!(m, "\n## Method\n");
        let _ = writeln!(
            m,
            "- Everything on loopback on this machine: the release `plumb` binary started as `plumb serve` \
             (default configuration: `PLUMB_LOG=info`, each request in its span, and metrics counted and served on \
             `PLUMB_METRICS_ADDR`), wrk 4 (Debian) with one thread and \
             [`wrk.lua`](server/benches/load/wrk.lua), the database, and a stand-in provider.\n\
             - Accounts are seeded in bulk (multi-row INSERTs), tokens sealed with the server's key and \
             bound to their row as Plumb seals them, valid for a day, so every fetch is a fresh-token fetch. \
             The first size is measured, then the table grows to the second on the same server.\n\
             - **Token**: `POST /data-integrations/bench/token` for a random seeded user per request (every \
             request reads a different row). **Trivial**: `GET /api_keys/current`, the same API-key \
             authentication and a JSON answer, nothing else. **Static**: `GET /pkg/plumb.css`, a 10 KB \
             stylesheet from the static file service, on the same kept-alive connections (it should beat \
             the trivial endpoint). After a warm-up, each concurrency runs {} \
             rounds of {} s alternating between the three endpoints, and each endpoint reports its median round \
             (this virtual machine has slow spells; alternating makes both endpoints share them). The \
             ratio token/trivial is the figure to compare across machines.\n\
             - **Paced**: 64 connections, each sending one request per fixed interval so the total is half \
             the maximum just measured (wrk's `delay()`; latency is measured from each request's send); \
             the round with the median p99 is reported.\n\
             - **Stampede**: {} concurrent fetches of one account whose token expired, against a provider \
             that answers in 100 ms and counts refresh grants; then the same across three `plumb` \
             processes on one PostgreSQL database (requests dealt round-robin).\n\
             - **Widget**: the widget page is fetched from the running server, then every file under /pkg/ \
             it names, asking for identity, gzip and brotli; sizes are what Plumb sent.\n\
             - **Memory**: VmRSS of the server process idle after start, and after the {}-account runs.",
            self.rounds,
            self.duration.as_secs(),
            self.stampede,
            group(big)
        );
        let _ = writeln!(
            m,
            "- **Relay** (SQLite, {} accounts, on the first server before its stampede): **relayed** is \
             `GET /relay/bench/me` with Plumb's API key and `X-Relay-User-Id` naming a random seeded user \
             per request (so each call finds that user's connection and opens its sealed token, valid for a \
             day: no refresh), which Plumb sends on with `Authorization: Bearer <token>` to a stand-in API \
             on loopback: axum (hyper's HTTP/1) inside the benchmark process, on a tokio runtime of its own \
             with {} worker threads, that checks the bearer token is a seeded one and answers `GET /me` at \
             once (no delay) with a fixed {}-byte JSON body. **Direct** is the same `GET /me` sent by wrk \
             straight to that API with a seeded token. After a warm-up of each, direct and relayed \
             alternate in {} rounds of {} s at {} connections (the budgets are at 16 and 64; one \
             connection shows what a call adds when it waits for no other); each reports its median \
             round (by throughput), and the added p50 is relayed p50 minus direct p50. wrk, Plumb and the API share \
             the machine's {} cores: the direct run gives the API all the CPU that wrk leaves, the relayed \
             one splits it between the API and Plumb, which does more work per call than the API does.\n\
             - **Streaming**: one relayed `GET /relay/bench/big` of {} from the same API ({} chunks of \
             64 KiB from one shared buffer, with a Content-Length), read and discarded by a reqwest client \
             in the benchmark process, its byte count checked. Plumb's VmRSS is read from /proc every \
             20 ms on a thread of its own during the download, and by the client at every MiB it reads \
             (the download can be over in a few periods of 20 ms); growth is the highest reading minus the \
             one just before. The same download straight from the API is timed for comparison.",
            group(self.accounts[0]),
            crate::upstream::THREADS,
            crate::upstream::ME_BODY.len(),
            self.rounds,
            self.duration.as_secs(),
            list(&self.relay_concurrency),
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            mib(self.big_chunks as u64 * crate::upstream::CHUNK_BYTES as u64),
            group(self.big_chunks),
        );

        let _ = writeln!(m, "\n## Token fetch\n");
        let _ = writeln!(
            m,
            "| Database | Accounts | Connections | Token req/s | p50 | p99 | p99.9 | Trivial req/s | Trivial p99 | Token / trivial | Static req/s | Static p99 |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for b in &self.backends {
            for r in &b.runs {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0}% | {} | {} |",
                    b.label,
                    group(r.accounts),
                    r.connections,
                    group(r.token.rps() as usize),
                    ms(r.token.percentile(50.0)),
                    ms(r.token.percentile(99.0)),
                    ms(r.token.percentile(99.9)),
                    group(r.trivial.rps() as usize),
                    ms(r.trivial.percentile(99.0)),
                    r.ratio() * 100.0,
                    group(r.static_file.rps() as usize),
                    ms(r.static_file.percentile(99.0)),
                );
            }
        }
        let _ = writeln!(m, "\n![Latency distribution at 64 connections]({PLOT_FILE})\n");
        let _ = writeln!(m, "### At half the maximum rate (64 connections)\n");
        let _ = writeln!(
            m,
            "| Database | Accounts | Target req/s | Achieved req/s | p50 | p99 | p99.9 | max |\n|---|---:|---:|---:|---:|---:|---:|---:|"
        );
        for b in &self.backends {
            for (accounts, target, r) in &b.paced {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    b.label,
                    group(*accounts),
                    group(*target as usize),
                    group(r.rps() as usize),
                    ms(r.percentile(50.0)),
                    ms(r.percentile(99.0)),
                    ms(r.percentile(99.9)),
                    ms(r.max_us)
                );
            }
        }

        let _ = writeln!(m, "\n## Refresh stampede\n");
        let _ = writeln!(
            m,
            "| Database | Processes | Concurrent fetches | Provider requests | Distinct tokens served | Errors | All answered in |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for b in &self.backends {
            for s in &b.stampedes {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} | {} | {:.0} ms |",
                    b.label,
                    s.processes,
                    group(s.requests),
                    s.provider_requests,
                    s.distinct_tokens,
                    s.errors,
                    s.elapsed.as_secs_f64() * 1000.0
                );
                if let Some(e) = &s.first_error {
                    let _ = writeln!(m, "\nFirst error: `{}`\n", e.replace('`', "'"));
                }
            }
        }

        let _ = writeln!(m, "\n## Relay\n");
        if self.backends.iter().all(|b| b.relay.is_empty()) {
            let _ = writeln!(m, "Not measured in this run.");
        } else {
            let _ = writeln!(
                m,
                "| Database | Connections | Direct req/s | Relayed req/s | Relayed / direct | Direct p50 | Relayed p50 | Added p50 | Direct p99 | Relayed p99 | Relayed p99.9 |\n\
                 |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for b in &self.backends {
                for r in &b.relay {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {} | {} | {:.2}× | {} | {} | {:+.2} ms | {} | {} | {} |",
                        b.label,
                        r.connections,
                        group(r.direct.rps() as usize),
                        group(r.relayed.rps() as usize),
                        r.ratio(),
                        ms(r.direct.percentile(50.0)),
                        ms(r.relayed.percentile(50.0)),
                        r.added_p50_us() as f64 / 1000.0,
                        ms(r.direct.percentile(99.0)),
                        ms(r.relayed.percentile(99.0)),
                        ms(r.relayed.percentile(99.9)),
                    );
                }
            }
            let _ = writeln!(
                m,
                "\nwrk keeps every connection busy (each sends its next request when the answer arrives), so \
                 with many connections a call's latency includes its wait behind the others and follows the \
                 throughput; one connection shows the time the relay itself adds."
            );
            let _ = writeln!(m, "\n### A large answer streamed through\n");
            let _ = writeln!(
                m,
                "| Database | Size | Direct download | Relayed download | Resident before | Peak during | After | Growth | Samples |\n\
                 |---|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for b in &self.backends {
                if let Some(s) = &b.stream {
                    let _ = writeln!(
                        m,
                        "| {} | {} | {:.0} ms | {:.0} ms | {} | {} | {} | {} | {} |",
                        b.label,
                        mib(s.bytes),
                        s.direct_elapsed.as_secs_f64() * 1000.0,
                        s.elapsed.as_secs_f64() * 1000.0,
                        mb(s.baseline_kib),
                        mb(s.peak_kib),
                        mb(s.after_kib),
                        mb(s.growth_kib()),
                        group(s.samples),
                    );
                }
            }
        }

        let _ = writeln!(m, "\n## Widget size\n");
        let w = &self.widget;
        let _ = writeln!(m, "After `wasm-opt -Oz` ({}). Sizes in bytes as Plumb served them.\n", w.wasm_opt);
        let _ = writeln!(m, "| File | Raw | gzip | brotli | Cache-Control |\n|---|---:|---:|---:|---|");
        let mark = |(bytes, used): (usize, bool)| {
            if used {
                group(bytes)
            } else {
                format!("{} (not compressed)", group(bytes))
            }
        };
        for a in &w.assets {
            let _ = writeln!(
                m,
                "| `{}` | {} | {} | {} | `{}` |",
                a.path,
                group(a.raw),
                mark(a.gzip),
                mark(a.brotli),
                a.cache_control
            );
        }
        let (raw, gz, br) = self.widget_totals();
        let _ = writeln!(m, "| **wasm + JS + CSS** | **{}** | **{}** | **{}** | |", group(raw), group(gz), group(br));
        let _ = writeln!(
            m,
            "| HTML of the first render (not served compressed; what gzip -9 / brotli -q 11 make of it) | {} | {} | {} | |",
            group(w.html_raw),
            group(w.html_gzip),
            group(w.html_brotli)
        );
        let _ = writeln!(
            m,
            "| **Everything the page loads: the HTML as served (uncompressed) + wasm, JS and CSS after brotli** | | | **{}** | |",
            group(self.widget_page_bytes())
        );

        let _ = writeln!(m, "\n## Memory\n");
        let _ = writeln!(m, "| Database | Idle after start | After the {}-account runs |\n|---|---:|---:|", group(big));
        for b in &self.backends {
            let loaded = if b.loaded_rss_kib == 0 { "not measured".into() } else { mb(b.loaded_rss_kib) };
            let _ = writeln!(m, "| {} | {} | {} |", b.label, mb(b.idle_rss_kib), loaded);
        }

        let _ = writeln!(m, "\n## Micro-benchmarks (criterion)\n");
        if self.micro.is_empty() {
            let _ = writeln!(m, "No criterion results were found (`make bench` runs them first).");
        } else {
            let _ = writeln!(m, "| Benchmark | Median | Mean |\n|---|---:|---:|");
            for b in &self.micro {
                let _ = writeln!(m, "| {} | {} | {} |", b.name, ns(b.median_ns), ns(b.mean_ns));
            }
        }
        m
    }

    /// What a browser downloads for the widget page: the HTML as Plumb serves it (not
    /// compressed) and each file as served brotli'd.
    fn widget_page_bytes(&self) -> usize {
        self.widget.html_raw + self.widget_totals().2
    }

    fn widget_totals(&self) -> (usize, usize, usize) {
        let a = &self.widget.assets;
        (a.iter().map(|a| a.raw).sum(), a.iter().map(|a| a.gzip.0).sum(), a.iter().map(|a| a.brotli.0).sum())
    }

    /// Each budget: what it asks, what was measured, whether it holds.
    pub fn budgets(&self) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let [small, big] = self.accounts;
        let at = |b: &BackendReport, accounts: usize| {
            b.runs.iter().find(|r| r.accounts == accounts && r.connections == 64).map(|r| (r.token.rps(), r.ratio()))
        };
        if let Some(b) = self.backend("SQLite") {
            if let Some((_, ratio)) = at(b, small) {
                out.push((
                    format!(
                        "Token fetch ≥ 60% of the trivial endpoint (SQLite, 64 connections, {} accounts)",
                        group(small)
                    ),
                    format!("{:.0}%", ratio * 100.0),
                    ratio >= RATIO_BUDGET,
                ));
            }
            if let Some(r) = b.runs.iter().find(|r| r.accounts == small && r.connections == 64) {
                out.push((
                    "A static file beats the trivial endpoint (SQLite, 64 connections)".into(),
                    format!("{}/s against {}/s", group(r.static_file.rps() as usize), group(r.trivial.rps() as usize)),
                    r.static_file.rps() >= r.trivial.rps(),
                ));
            }
            if let Some((_, _, paced)) = b.paced.iter().find(|(a, _, _)| *a == small) {
                let p99 = paced.percentile(99.0);
                out.push((
                    "p99 < 5 ms at half the maximum rate (SQLite, 64 connections)".into(),
                    format!("{} at {}/s", ms(p99), group(paced.rps() as usize)),
                    p99 < PACED_P99_BUDGET_US,
                ));
            }
        }
        for b in &self.backends {
            if let (Some((small_rps, _)), Some((big_rps, _))) = (at(b, small), at(b, big)) {
                let scale = big_rps / small_rps.max(f64::MIN_POSITIVE);
                out.push((
                    format!(
                        "{} accounts ≥ 80% of {} accounts' throughput ({}, 64 connections)",
                        group(big),
                        group(small),
                        b.label
                    ),
                    format!("{:.0}%", scale * 100.0),
                    scale >= SCALE_BUDGET,
                ));
            }
        }
        for b in &self.backends {
            for s in &b.stampedes {
                out.push((
                    format!(
                        "Stampede: 1 provider request, 0 errors ({}, {} process{})",
                        b.label,
                        s.processes,
                        if s.processes == 1 { "" } else { "es" }
                    ),
                    format!("{} request(s), {} error(s)", s.provider_requests, s.errors),
                    s.provider_requests == 1 && s.errors == 0 && s.distinct_tokens == 1,
                ));
            }
        }
        if !self.widget.assets.is_empty() {
            let total = self.widget_page_bytes();
            let all_br = self.widget.assets.iter().all(|a| a.brotli.1);
            out.push((
                "Widget page (HTML as served + wasm, JS, CSS after brotli) ≤ 100 KB".into(),
                format!("{} bytes{}", group(total), if all_br { "" } else { " (some files not served compressed)" }),
                total <= WIDGET_BUDGET_BYTES,
            ));
        }
        for b in &self.backends {
            out.push((
                format!("Resident memory idle < 30 MB ({})", b.label),
                mb(b.idle_rss_kib),
                b.idle_rss_kib * 1024 < IDLE_RSS_BUDGET_BYTES,
            ));
            // Zero: the large table was not measured (a relay-only run).
            if b.loaded_rss_kib > 0 {
                out.push((
                    format!("Resident memory after the {}-account runs < 100 MB ({})", group(big), b.label),
                    mb(b.loaded_rss_kib),
                    b.loaded_rss_kib * 1024 < LOADED_RSS_BUDGET_BYTES,
                ));
            }
        }
        for b in &self.backends {
            for r in b.relay.iter().filter(|r| RELAY_BUDGET_CONNECTIONS.contains(&r.connections)) {
                out.push((
                    format!("Relayed ≥ 0.8× the direct throughput ({}, {} connections)", b.label, r.connections),
                    format!(
                        "{:.2}× ({}/s against {}/s)",
                        r.ratio(),
                        group(r.relayed.rps() as usize),
                        group(r.direct.rps() as usize)
                    ),
                    r.ratio() >= RELAY_RATIO_BUDGET,
                ));
                out.push((
                    format!("The relay adds ≤ 0.3 ms at p50 ({}, {} connections)", b.label, r.connections),
                    format!(
                        "{:+.2} ms ({} against {})",
                        r.added_p50_us() as f64 / 1000.0,
                        ms(r.relayed.percentile(50.0)),
                        ms(r.direct.percentile(50.0))
                    ),
                    r.added_p50_us() <= RELAY_ADDED_P50_BUDGET_US,
                ));
            }
            if let Some(s) = &b.stream {
                out.push((
                    format!("A {} answer relayed with < 10 MB resident growth ({})", mib(s.bytes), b.label),
                    format!("{} ({} before, {} at the peak)", mb(s.growth_kib()), mb(s.baseline_kib), mb(s.peak_kib)),
                    s.growth_kib() * 1024 < STREAM_GROWTH_BUDGET_BYTES,
                ));
            }
        }
        out
    }

    /// Latency by percentile at 64 connections, HdrHistogram style: the x axis stretches the
    /// tail (90%, 99%, 99.9%… equally spaced), the y axis is logarithmic.
    fn plot(&self) -> String {
        let (w, h, left, right, top, bottom) = (900.0, 520.0, 70.0, 250.0, 40.0, 50.0);
        let (pw, ph) = (w - left - right, h - top - bottom);
        let x_of = |p: f64| -> f64 { left + pw * (-(1.0 - p / 100.0).max(1e-4).log10()) / 4.0 };
        let (lo, hi) = (0.05f64, 200.0f64);
        let y_of = |us: u64| -> f64 {
            let ms = (us as f64 / 1000.0).clamp(lo, hi);
            top + ph * (1.0 - (ms / lo).log10() / (hi / lo).log10())
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"
        );
        let _ = writeln!(
            s,
            "<text x=\"{left}\" y=\"22\" font-size=\"15\">Latency by percentile, 64 connections (ms, log scale){}</text>",
            if self.smoke { " — smoke run" } else { "" }
        );
        for (i, label) in ["0%", "90%", "99%", "99.9%", "99.99%"].iter().enumerate() {
            let x = left + pw * i as f64 / 4.0;
            let _ = writeln!(
                s,
                "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                top + ph,
                top + ph + 18.0
            );
        }
        for tick in [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0] {
            let y = y_of((tick * 1000.0) as u64);
            let _ = writeln!(
                s,
                "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{tick}</text>",
                left + pw,
                left - 6.0,
                y + 4.0
            );
        }
        let colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];
        let mut series = Vec::new();
        for b in &self.backends {
            for r in b.runs.iter().filter(|r| r.connections == 64) {
                series.push((format!("{} {} token", b.label, group(r.accounts)), &r.token, false));
                series.push((format!("{} {} trivial", b.label, group(r.accounts)), &r.trivial, true));
            }
        }
        for (i, (name, result, dashed)) in series.iter().enumerate() {
            let color = colors[i / 2 * 2 % colors.len()];
            let color = if *dashed { colors[(i / 2 * 2 + 1) % colors.len()] } else { color };
            let points: Vec<String> = result
                .percentiles
                .iter()
                .filter(|(p, _)| *p < 100.0)
                .map(|(p, us)| format!("{:.1},{:.1}", x_of(*p), y_of(*us)))
                .collect();
            let dash = if *dashed { " stroke-dasharray=\"5,4\"" } else { "" };
            let _ = writeln!(
                s,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
                points.join(" ")
            );
            let y = top + 10.0 + 20.0 * i as f64;
            let _ = writeln!(
                s,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{name}</text>",
                w - right + 15.0,
                w - right + 45.0,
                w - right + 52.0,
                y + 4.0
            );
        }
        s.push_str("</svg>\n");
        s
    }
}

/// Criterion's estimates for every benchmark it has run (`target/criterion/<name>/new/estimates.json`).
pub fn criterion_results(dir: &Path) -> Vec<Micro> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.file_name().is_some_and(|n| n == "report") {
                continue;
            }
            let estimates = path.join("new/estimates.json");
            if estimates.is_file() {
                let parsed = std::fs::read_to_string(&estimates)
                    .ok()
                    .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
                if let Some(v) = parsed {
                    // Criterion keeps the name it was given (slashes included) in benchmark.json.
                    let name = std::fs::read_to_string(path.join("new/benchmark.json"))
                        .ok()
                        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                        .and_then(|b| b["full_id"].as_str().map(str::to_string))
                        .unwrap_or_else(|| path.strip_prefix(dir).unwrap_or(&path).display().to_string());
                    found.push(Micro {
                        name,
                        median_ns: v["median"]["point_estimate"].as_f64().unwrap_or(f64::NAN),
                        mean_ns: v["mean"]["point_estimate"].as_f64().unwrap_or(f64::NAN),
                    });
                }
            } else if path.is_dir() {
                stack.push(path);
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

fn machine() -> Vec<(String, String)> {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let memory = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0));
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string());
    let command = |program: &str, arg: &str| {
        std::process::Command::new(program)
            .arg(arg)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).lines().next().unwrap_or("").trim().to_string())
            .unwrap_or_default()
    };
    vec![
        ("Date".into(), chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string()),
        ("CPU".into(), format!("{} ({cores} cores)", cpu.unwrap_or_else(|| "unknown".into()))),
        ("Memory".into(), memory.unwrap_or_else(|| "unknown".into())),
        ("OS".into(), format!("{}, Linux {}", os.unwrap_or_default(), read("/proc/sys/kernel/osrelease").trim())),
        ("Rust".into(), command(&std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()), "--version")),
        ("Load generator".into(), command("wrk", "--version")),
        ("Git commit".into(), git_head()),
    ]
}

fn git_head() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// 1234567 → "1,234,567".
pub fn group(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

fn mb(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 * 1024.0 / 1e6)
}

/// [1, 16, 64] → "1, 16 and 64".
fn list(items: &[u32]) -> String {
    let words: Vec<String> = items.iter().map(u32::to_string).collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => words.concat(),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / 1024.0 / 1024.0)
}

fn ns(n: f64) -> String {
    if n >= 1000.0 {
        format!("{:.2} µs", n / 1000.0)
    } else {
        format!("{n:.0} ns")
    }
}
