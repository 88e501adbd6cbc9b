//! A throwaway PostgreSQL server for the hub's tests: a fresh cluster in a
//! temporary folder on a free loopback port, trust authentication, no fsync,
//! stopped and removed when the guard drops.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::run::{Error, output};

/// A running throwaway cluster.
#[derive(Debug)]
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// Admin URL of the cluster's `postgres` database.
    pub(crate) url: String,
}

impl Postgres {
    /// Creates and starts a cluster with Debian's newest installed PostgreSQL.
    pub(crate) fn start() -> Result<Self, Error> {
        let bin =
            newest_bin().ok_or("PostgreSQL is not installed (apt-get install -y postgresql)")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("postsale-pg-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // PostgreSQL refuses to run as root: then the cluster belongs to `postgres`.
        let as_postgres = output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
        if as_postgres {
            chown_postgres(&dir)?;
        }
        let pg = Self {
            bin,
            dir,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            pg.dir.display()
        );
        let log = pg.dir.join("server.log");
        pg.run(
            "pg_ctl",
            &[
                "-D",
                &data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        )?;
        Ok(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> Result<(), Error> {
        let program = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(&program).args(args);
            cmd
        } else {
            let mut cmd = Command::new(&program);
            cmd.args(args);
            cmd
        };
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {tool}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{tool} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &["-D", &data.to_string_lossy(), "-m", "immediate", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn newest_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    // Versions are folder names (15, 16, ...): the numerically largest wins.
    found.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop()
}

fn chown_postgres(dir: &Path) -> Result<(), Error> {
    let ok = Command::new("chown")
        .args(["postgres:postgres"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "cannot hand {} to the postgres user",
            dir.display()
        ))
    }
}
