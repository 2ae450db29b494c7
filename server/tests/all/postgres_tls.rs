//! PostgreSQL over TLS, as managed services require: a PostgreSQL this test starts itself (a
//! temporary data directory, loopback, a free port; the machine's own server is untouched)
//! with `ssl=on`, a certificate from a CA the test makes, and plain connections refused.
//! Plumb connects with `sslmode=verify-full&sslrootcert=…`, and refuses a server its CA did
//! not sign.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The running server; stopped (and its directory removed) when dropped.
struct TlsPostgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["-D", data.to_str().unwrap(), "-m", "immediate", "stop"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL's server programs (initdb, pg_ctl): Debian keeps them off the PATH.
fn postgres_bin() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server programs are installed (make test installs them)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().expect("initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args));
}

impl TlsPostgres {
    fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("plumb-pg-tls-{}", server::ids::random_token(6).to_lowercase()));
        std::fs::create_dir_all(&dir).unwrap();
        make_certificates(&dir);
        let bin = postgres_bin();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        if is_root() {
            run(Command::new("chown").args(["-R", "postgres"]).arg(&dir));
        }
        let server = TlsPostgres { dir: dir.clone(), bin: bin.clone(), port };
        let data = dir.join("data");
        run(as_postgres(&bin.join("initdb")).args(["-D", data.to_str().unwrap(), "-U", "postgres", "--auth=trust"]));
        let conf = format!(
            "listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{d}'\nssl = on\n\
             ssl_cert_file = '{d}/server.crt'\nssl_key_file = '{d}/server.key'\nfsync = off\n",
            d = dir.display()
        );
        append(&data.join("postgresql.conf"), &conf);
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
        run(as_postgres(&bin.join("pg_ctl")).args([
            "-D",
            data.to_str().unwrap(),
            "-l",
            dir.join("log").to_str().unwrap(),
            "-w",
            "start",
        ]));
        server
    }

    fn url(&self, query: &str) -> String {
        format!("postgres://postgres@localhost:{}/postgres?{query}", self.port)
    }
}

/// A CA, a certificate it signs for `localhost` and 127.0.0.1, and another CA that signed
/// nothing here. `-subj` on every request: no prompts.
fn make_certificates(dir: &Path) {
    let subject = |cn: &str| format!("/CN={cn}");
    let ca = subject("Plumb test CA");
    let localhost = subject("localhost");
    let other = subject("Another CA");
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", &ca,
        ],
    );
    openssl(
        dir,
        &["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", &localhost],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other-ca.pem",
            "-days",
            "2",
            "-subj",
            &other,
        ],
    );
    // PostgreSQL refuses a key others can read.
    run(Command::new("chmod").arg("600").arg(dir.join("server.key")));
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plumb_verifies_postgres_over_tls_with_a_custom_ca() {
    let pg = tokio::task::spawn_blocking(TlsPostgres::start).await.unwrap();
    let ca = pg.dir.join("ca.pem");
    let verified = pg.url(&format!("sslmode=verify-full&sslrootcert={}", ca.display()));
    let store = server::store::Store::connect(&verified).await.expect("connects over verified TLS and migrates");
    store.check_ready().await.expect("ready over TLS");
    let encrypted: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(encrypted, "the session is encrypted");
    store.close().await;

    // A plain connection is refused by this server, as by a managed one.
    assert!(server::store::Store::connect(&pg.url("sslmode=disable")).await.is_err());
    // A server whose certificate the named CA did not sign is refused by Plumb.
    let other = pg.dir.join("other-ca.pem");
    let wrong = pg.url(&format!("sslmode=verify-full&sslrootcert={}", other.display()));
    let refused = server::store::Store::connect(&wrong).await;
    assert!(refused.is_err(), "connected with a CA that signed nothing");
    drop(pg);
}
